/**
 * A look at a reward before training: its distribution over a sample of
 * simulated steps, with random slates shown to the lab's shoppers. Cheap
 * (a few milliseconds) so the page can run it on every edit.
 */
import { randomSlate } from '../agents/bandits';
import { createRandom } from '../../random';
import { ExpressionReward } from '../reward/shop-reward';
import { BatchedShopEnv } from '../sim/batched-env';
import { labShop, type RecsysConfig } from './config';

export interface RewardPreview {
  samples: number;
  mean: number;
  min: number;
  max: number;
  /** Share of steps whose reward is exactly 0. */
  zeroShare: number;
  /** Equal-width bins from min to max. */
  bins: { from: number; to: number; count: number }[];
}

/**
 * Samples `steps` shopper-steps (64 shoppers at a time) and bins the reward.
 * Throws the reward's own error (RewardError, NonFiniteRewardError) when it fails.
 */
export function previewReward(config: RecsysConfig, steps = 4096, binCount = 16): RewardPreview {
  const reward = new ExpressionReward(config.reward);
  const count = 64;
  const { shop, catalog } = labShop(config);
  const env = new BatchedShopEnv(shop, {
    catalog,
    count,
    seed: config.seed,
    reward,
    contexts: false,
  });
  const rng = createRandom(config.seed + 17);
  const K = env.slateSize;
  const slates = new Int32Array(count * K);
  const values: number[] = [];
  for (let t = 0; t < Math.ceil(steps / count); t++) {
    for (let i = 0; i < count; i++) slates.set(randomSlate(env.numActions, K, rng), i * K);
    env.step(slates);
    values.push(...env.rewards);
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let zeros = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    if (v === 0) zeros++;
  }
  const width = max > min ? (max - min) / binCount : 1;
  const bins = Array.from({ length: max > min ? binCount : 1 }, (_, b) => ({
    from: min + b * width,
    to: min + (b + 1) * width,
    count: 0,
  }));
  for (const v of values) bins[Math.min(bins.length - 1, Math.floor((v - min) / width))]!.count++;
  return {
    samples: values.length,
    mean: sum / values.length,
    min,
    max,
    zeroShare: zeros / values.length,
    bins,
  };
}
