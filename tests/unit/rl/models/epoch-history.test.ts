/**
 * A model run's epochs as a session keeps them (curves over steps) and back:
 * the table a saved run shows is the table it had, NaN metrics included,
 * and an epoch missing a metric stays without it.
 */
import { describe, expect, it } from 'vitest';
import { epochHistory, epochsOf } from '../../../../src/core/rl/models/epoch-history';
import type { EpochReport } from '../../../../src/core/rl/models/log-model-config';

describe('a model run’s epochs in a session', () => {
  it('come back from the saved curves as they were', () => {
    const epochs: EpochReport[] = [
      { epoch: 1, steps: 9, seconds: 2.5, loss: 0.57, metrics: { hitRate: NaN } },
      { epoch: 2, steps: 18, seconds: 4.5, loss: 0.42, metrics: { auc: 0.53, hitRate: 0.22 } },
      { epoch: 3, steps: 27, seconds: 6.1, loss: 0.4, metrics: { auc: 0.55 } },
    ];
    const history = epochHistory(epochs);
    expect(Object.keys(history).sort()).toEqual(['auc', 'hitRate', 'loss', 'seconds']);
    expect(history.auc).toEqual({ x: [18, 27], y: [0.53, 0.55] });
    expect(history.hitRate).toEqual({ x: [9, 18], y: [NaN, 0.22] });
    expect(epochsOf(history)).toEqual(epochs);
    expect(epochsOf({})).toEqual([]);
  });
});
