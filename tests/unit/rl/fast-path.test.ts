import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import { randomSlate } from '../../../src/core/rl/agents/bandits';
import type { AgentName } from '../../../src/core/rl/agents/names';
import { runExperiment, type ExperimentResult } from '../../../src/core/rl/experiment';
import { METRICS } from '../../../src/core/rl/metrics';
import { BatchedShopEnv } from '../../../src/core/rl/sim/batched-env';
import { shopPreset, type ShopConfig } from '../../../src/core/rl/sim/presets';
import { ShopEnv } from '../../../src/core/rl/sim/shop-env';

/** Every bandit and tabular agent (the fast path's; DQN keeps its own loop's pace). */
const PLAIN: AgentName[] = [
  'random',
  'popularity',
  'egreedy',
  'egreedy-decay',
  'egreedy-segment',
  'ucb',
  'ts-beta',
  'ts-gauss',
  'linucb',
  'qlearning',
  'sarsa',
];

/** A result without its wall times, which are all that may differ. */
function timeless(r: ExperimentResult): unknown {
  return { ...r, agents: r.agents.map((a) => ({ ...a, milliseconds: null })) };
}

/** A small shop that drifts fast, ends sessions by budget and length, and shows slates of 3. */
function busyShop(): ShopConfig {
  const shop = shopPreset('fashion');
  return {
    catalog: { ...shop.catalog, items: 60 },
    shoppers: { ...shop.shoppers, drift: 0.05, maxSessionLength: 80, memory: 4 },
    slateSize: 3,
  };
}

describe('the oracle on the fast path', () => {
  it('finds the best exactly, by bounds: the regret of every step equals the full scan’s', () => {
    const cases: [ShopConfig, string | undefined][] = [
      [shopPreset('fashion'), undefined],
      [shopPreset('grocery'), 'if(purchased, price, 0) - 0.3 * left'],
      [{ ...shopPreset('electronics'), slateSize: 3 }, 'clicked + 0.1 * novelty - 0.02 * step'],
      [busyShop(), 'carted - 0.2 * left'],
    ];
    for (const [shop, reward] of cases) {
      // The single environment scans every item; a batch of one rules most out by bounds.
      const single = new ShopEnv(shop, { seed: 5, reward });
      const batched = new BatchedShopEnv(shop, { count: 1, seed: 5, reward, oracle: true });
      const rng = createRandom(6);
      const K = shop.slateSize;
      single.reset();
      let sessions = 0;
      for (let t = 0; t < 3000; t++) {
        // Mostly the same few items, so fatigue and novelty change values as the session goes.
        const slate =
          rng.next() < 0.6
            ? Int32Array.from({ length: K }, (_, k) => k * 7 + (t % 3))
            : randomSlate(single.numActions, K, rng);
        const out = single.step(K === 1 ? slate[0]! : slate);
        batched.step(slate);
        expect(batched.regrets[0]).toBe(out.info.regret);
        if (out.done) {
          sessions++;
          single.reset();
        }
      }
      expect(sessions).toBeGreaterThan(20);
    }
  });

  it('follows several shoppers at once, each as alone', () => {
    const shop = busyShop();
    const many = new BatchedShopEnv(shop, { count: 8, seed: 2, oracle: true });
    const rng = createRandom(3);
    const slates = new Int32Array(8 * 3);
    for (let t = 0; t < 400; t++) {
      for (let i = 0; i < 8; i++) slates.set(randomSlate(shop.catalog.items, 3, rng), i * 3);
      many.step(slates);
      for (let i = 0; i < 8; i++) expect(many.regrets[i]).toBeGreaterThanOrEqual(-1e-12);
    }
    // A catalog beyond what the oracle can follow is refused with the numbers.
    expect(
      () => new BatchedShopEnv(shopPreset('grocery'), { count: 10_000, seed: 1, oracle: true }),
    ).toThrow(/at most 8,000,000 shopper-items/);
  });
});

describe('the fast experiment path', () => {
  it('with a batch of one shopper gives the single environment’s metrics, bit for bit', async () => {
    for (const [shop, reward] of [
      ['fashion', undefined],
      [busyShop(), { click: 0.5, purchase: 0.5 }],
    ] as const) {
      const config = { shop, agents: PLAIN, steps: 2500, seeds: [1, 2], reward, curvePoints: 25 };
      const reference = await runExperiment(config);
      const fast = await runExperiment({ ...config, batch: 1 });
      expect(timeless(fast)).toEqual(timeless(reference));
      // Not a vacuous match: the agents did differ.
      const ctr = reference.agents.map((a) => a.metrics.ctr.mean);
      expect(new Set(ctr).size).toBeGreaterThan(PLAIN.length / 2);
    }
  });

  it('with batches of 4, where agents learn a batch at a time, the paths’ metrics differ by less than the 95% interval of their difference over 10 seeds', async () => {
    // Randomised policies. A deterministic one (UCB1) shows a batch the same best arm 4 times, which
    // is a different algorithm there (README, “Batches”).
    const config = {
      shop: 'fashion' as const,
      agents: ['random', 'egreedy-segment', 'ts-beta', 'qlearning'] as AgentName[],
      steps: 8000,
      seeds: Array.from({ length: 10 }, (_, i) => i + 1),
    };
    const reference = await runExperiment(config);
    const fast = await runExperiment({ ...config, batch: 4 });
    for (const [k, ref] of reference.agents.entries()) {
      const got = fast.agents[k]!;
      for (const m of METRICS) {
        const [a, b] = [ref.metrics[m], got.metrics[m]];
        const at = `${ref.label}, ${m}: ${a.mean} ± ${a.half} against ${b.mean} ± ${b.half}`;
        // The two-sample test, not “each mean inside the other's interval”: that one fails whenever
        // one side's interval is narrow by chance (ε-greedy's regret: 2,912 ± 160 against 2,820 ± 86,
        // a difference of half the combined half-width). Both sides use the same t quantile (10 seeds).
        expect(Math.abs(b.mean - a.mean), at).toBeLessThanOrEqual(Math.hypot(a.half, b.half));
      }
    }
  });

  it('refuses a batch it cannot serve', async () => {
    for (const batch of [0, 1.5, 5000])
      await expect(
        runExperiment({ shop: 'fashion', agents: ['random'], steps: 10, seeds: [1], batch }),
      ).rejects.toThrow(/batch must be 1 to 4,096 shoppers/);
  });
});
