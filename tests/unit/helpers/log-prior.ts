/**
 * A prior from a log, as a race carries it (rl/agents/log-prior.ts), made
 * up for a race's config: the shape right for its shop and catalog, the
 * numbers not all round. For the config schema and the race job's tests.
 */
import type { LogPrior } from '../../../src/core/rl/agents/log-prior';
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import { shopPreset } from '../../../src/core/rl/sim/presets';

export function madeUpPrior(c: RecsysConfig, catalogSeed = 7): LogPrior {
  const segments = shopPreset(c.shop).shoppers.segments.length;
  const dim = 2;
  const wave = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(i * f) / 3);
  return {
    source: `simulated ${c.shop} log, 500 sessions`,
    shop: c.shop,
    items: c.items,
    catalogSeed,
    purchases: Array.from({ length: c.items }, (_, i) => i % 5),
    cf: {
      dim,
      item: wave(c.items * dim, 0.7),
      itemBias: wave(c.items, 1.3),
      user: wave(segments * dim, 2.1),
      userBias: wave(segments, 0.9),
    },
  };
}
