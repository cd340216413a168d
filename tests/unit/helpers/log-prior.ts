/**
 * A prior from a log, as a race carries it (rl/agents/log-prior.ts), made
 * up for a race's config: the shape right for its shop and catalog, the
 * numbers not all round; CF's tables and a small two-headed network over
 * the catalog's first items. For the config schema and the race job's tests.
 */
import type { LogPrior } from '../../../src/core/rl/agents/log-prior';
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import { twoHeadedShapes } from '../../../src/core/rl/models/two-headed-shapes';
import { shopPreset } from '../../../src/core/rl/sim/presets';

const wave = (n: number, f: number) => Array.from({ length: n }, (_, i) => Math.sin(i * f) / 3);

export function madeUpPrior(c: RecsysConfig, catalogSeed = 7): LogPrior {
  const { shoppers } = shopPreset(c.shop);
  const segments = shoppers.segments.map((s) => s.name);
  const dim = 2;
  const features = [
    ...segments.map((s) => `segment: ${s}`),
    'views so far',
    'clicked before',
    'carted before',
    'bought before',
  ];
  const outputs = Math.min(c.items, 12);
  const hidden: [number, number] = [6, 4];
  const shapes = twoHeadedShapes(features.length, hidden, outputs);
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
      user: wave(segments.length * dim, 2.1),
      userBias: wave(segments.length, 0.9),
    },
    twoHeaded: {
      features,
      hidden,
      actions: Array.from({ length: outputs }, (_, i) => (i * 7) % c.items),
      weights: [...shapes].map(([name, shape], i) => ({
        name,
        shape,
        values: wave(
          shape.reduce((a, b) => a * b, 1),
          0.37 + i / 10,
        ),
      })),
      maxSessionLength: shoppers.maxSessionLength,
      segments,
    },
  };
}
