/**
 * A model run's epochs as a session keeps them: each measurement a curve
 * over steps (with the epoch's mean loss and its training clock), and back
 * into the table the panel shows when a saved run is opened.
 */
import type { MetricHistory } from '../../store/schema';
import type { EpochReport } from './log-model-config';

/** The curves a run saves besides its metrics: each epoch's mean loss and its training clock. */
const LOSS = 'loss';
const SECONDS = 'seconds';

/** The epochs' measurements as named curves over steps, for a session. */
export function epochHistory(epochs: EpochReport[]): MetricHistory {
  const out: MetricHistory = {};
  const put = (name: string, e: EpochReport, y: number) => {
    const c = (out[name] ??= { x: [], y: [] });
    c.x.push(e.steps);
    c.y.push(y);
  };
  for (const e of epochs) {
    put(LOSS, e, e.loss);
    put(SECONDS, e, e.seconds);
    for (const [k, y] of Object.entries(e.metrics)) put(k, e, y);
  }
  return out;
}

/** The epochs a session's curves hold, back as the table shows them. */
export function epochsOf(history: MetricHistory): EpochReport[] {
  const loss = history[LOSS];
  if (!loss) return [];
  return loss.x.map((steps, k) => {
    const metrics: Record<string, number> = {};
    for (const [name, c] of Object.entries(history)) {
      const at = c.x.indexOf(steps);
      if (name !== LOSS && name !== SECONDS && at >= 0) metrics[name] = c.y[at]!;
    }
    return {
      epoch: k + 1,
      steps,
      seconds: history[SECONDS]?.y[k] ?? NaN,
      loss: loss.y[k]!,
      metrics,
    };
  });
}
