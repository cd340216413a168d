import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import { RandomAgent } from '../../../src/core/rl/agents/bandits';
import type { Agent } from '../../../src/core/rl/contract';
import { interact } from '../../../src/core/rl/interact';
import { REWARD_PRESETS, rewardVector, dot } from '../../../src/core/rl/reward/presets';
import { BatchedShopEnv } from '../../../src/core/rl/sim/batched-env';
import { generateCatalog } from '../../../src/core/rl/sim/catalog';
import { eventFeatures, F, FEATURE_COUNT } from '../../../src/core/rl/sim/events';
import { numStatesOf } from '../../../src/core/rl/sim/observe';
import { topK } from '../../../src/core/rl/sim/oracle';
import { OracleAgent } from '../../../src/core/rl/sim/oracle-agent';
import { SHOP_PRESETS, shopPreset, type ShopConfig } from '../../../src/core/rl/sim/presets';
import { ShopEnv } from '../../../src/core/rl/sim/shop-env';
import { emptyEvents, ShopperPool, SlateProbabilities } from '../../../src/core/rl/sim/shoppers';

const names = Object.keys(SHOP_PRESETS) as (keyof typeof SHOP_PRESETS)[];

describe('catalog', () => {
  it('presets differ in size, price level and spread, and category structure', () => {
    const stats = names.map((n) => {
      const c = generateCatalog(SHOP_PRESETS[n].catalog, 1);
      const logs = Array.from(c.price, Math.log);
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
      return { size: c.size, categories: new Set(c.category).size, median: Math.exp(mean), sd };
    });
    expect(new Set(stats.map((s) => s.size)).size).toBe(3);
    expect(new Set(stats.map((s) => s.categories)).size).toBe(3);
    const [fashion, electronics, grocery] = stats;
    expect(electronics!.median).toBeGreaterThan(5 * fashion!.median);
    expect(fashion!.median).toBeGreaterThan(5 * grocery!.median);
    expect(electronics!.sd).toBeGreaterThan(grocery!.sd);
  });

  it('makes items with valid fields, unit embeddings and every category, from 10 to 10,000 items', () => {
    for (const items of [10, 10_000]) {
      const c = generateCatalog({ ...SHOP_PRESETS.fashion.catalog, items }, 3);
      expect(c.size).toBe(items);
      expect(new Set(c.category).size).toBe(Math.min(items, 10));
      for (let i = 0; i < items; i++) {
        expect(c.price[i]).toBeGreaterThan(0);
        expect(c.quality[i]).toBeGreaterThanOrEqual(0);
        expect(c.quality[i]).toBeLessThanOrEqual(1);
        expect(c.margin[i]).toBeGreaterThanOrEqual(0.3);
        expect(c.margin[i]).toBeLessThanOrEqual(0.6);
        let norm = 0;
        for (let k = 0; k < c.embeddingSize; k++)
          norm += c.embedding[i * c.embeddingSize + k]! ** 2;
        expect(norm).toBeCloseTo(1, 10);
      }
    }
  });

  it('puts items of a category closer together than items of different categories', () => {
    const c = generateCatalog(SHOP_PRESETS.fashion.catalog, 2);
    const d = c.embeddingSize;
    const cos = (a: number, b: number): number => {
      let s = 0;
      for (let k = 0; k < d; k++) s += c.embedding[a * d + k]! * c.embedding[b * d + k]!;
      return s;
    };
    let same = 0;
    let sameN = 0;
    let other = 0;
    let otherN = 0;
    for (let a = 0; a < 100; a++)
      for (let b = a + 1; b < 100; b++)
        if (c.category[a] === c.category[b]) {
          same += cos(a, b);
          sameN++;
        } else {
          other += cos(a, b);
          otherN++;
        }
    expect(same / sameN).toBeGreaterThan(other / otherN + 0.3);
  });

  it('is the same for the same seed and differs for another', () => {
    const a = generateCatalog(SHOP_PRESETS.grocery.catalog, 5);
    const b = generateCatalog(SHOP_PRESETS.grocery.catalog, 5);
    const c = generateCatalog(SHOP_PRESETS.grocery.catalog, 6);
    expect(Array.from(b.price)).toEqual(Array.from(a.price));
    expect(Array.from(c.price)).not.toEqual(Array.from(a.price));
  });
});

describe('shoppers and the funnel', () => {
  const config = shopPreset('fashion');
  const catalog = generateCatalog(config.catalog, 1);

  it('keeps every probability in [0, 1] and P(no click) + Σ P(click) = 1, for slates of 1 to 5', () => {
    const rng = createRandom(9);
    const pool = new ShopperPool(50, config.shoppers, catalog, 4);
    const features = new Float64Array(FEATURE_COUNT);
    for (let i = 0; i < 50; i++) pool.spawn(i);
    for (let trial = 0; trial < 2000; trial++) {
      const i = rng.int(50);
      const k = 1 + rng.int(5);
      const slate = Array.from({ length: k }, () => rng.int(catalog.size));
      const p = pool.probabilities(i, slate, new SlateProbabilities(k));
      let total = p.none;
      for (const v of [p.none, ...p.click, ...p.cart, ...p.purchase]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      for (const c of p.click) total += c;
      expect(total).toBeCloseTo(1, 12);
      pool.expectedFeatures(i, slate, p, features);
      for (const f of [F.click, F.cart, F.purchase, F.leave, F.leaveWithoutPurchase]) {
        expect(features[f]).toBeGreaterThanOrEqual(0);
        expect(features[f]).toBeLessThanOrEqual(1 + 1e-12);
      }
      const e = pool.sample(i, slate, p, emptyEvents());
      if (pool.advance(i, slate, e)) pool.spawn(i);
    }
  });

  it('draws events whose frequencies match the expected features (200,000 draws)', () => {
    const pool = new ShopperPool(1, config.shoppers, catalog, 7);
    pool.spawn(0);
    const slate = [3, 17, 42];
    const p = pool.probabilities(0, slate, new SlateProbabilities(3));
    const expected = pool.expectedFeatures(0, slate, p, new Float64Array(FEATURE_COUNT));
    const sums = new Float64Array(FEATURE_COUNT);
    const f = new Float64Array(FEATURE_COUNT);
    const N = 200_000;
    for (let n = 0; n < N; n++)
      eventFeatures(pool.sample(0, slate, p, emptyEvents()), catalog.config.priceMedian, f).forEach(
        (v, k) => (sums[k]! += v),
      );
    for (let k = 0; k < FEATURE_COUNT; k++) {
      // 5 standard errors of a mean of N draws of a feature bounded by its max value.
      const bound = k === F.revenue || k === F.margin ? 5 : 1;
      expect(Math.abs(sums[k]! / N - expected[k]!)).toBeLessThan((5 * bound) / Math.sqrt(N) + 1e-9);
    }
  });

  it('draws the same events from the click side alone as from the full probabilities', () => {
    // The batched simulator computes only the click side; the single environment all of it.
    const full = new ShopperPool(20, config.shoppers, catalog, 5);
    const lazy = new ShopperPool(20, config.shoppers, catalog, 5);
    const rng = createRandom(6);
    const p = new SlateProbabilities(3);
    const q = new SlateProbabilities(3);
    for (let i = 0; i < 20; i++) [full, lazy].forEach((pool) => pool.spawn(i));
    let clicks = 0;
    for (let t = 0; t < 20_000; t++) {
      const i = rng.int(20);
      const slate = [rng.int(catalog.size), rng.int(catalog.size), rng.int(catalog.size)];
      if (new Set(slate).size < 3) continue;
      full.probabilities(i, slate, p);
      lazy.clickProbabilities(i, slate, q);
      expect(Array.from(q.click)).toEqual(Array.from(p.click));
      expect(q.none).toBe(p.none);
      const a = full.sample(i, slate, p, emptyEvents());
      const b = lazy.sample(i, slate, q, emptyEvents());
      expect(b).toEqual(a);
      if (a.clicked >= 0) clicks++;
      if (full.advance(i, slate, a)) full.spawn(i);
      if (lazy.advance(i, slate, b)) lazy.spawn(i);
    }
    expect(clicks).toBeGreaterThan(1000);
    expect(Array.from(lazy.preference)).toEqual(Array.from(full.preference));
  });

  it('drift: every step moves each taste coordinate by a uniform draw of variance drift², and the taste stays a unit vector', () => {
    const drift = 0.01;
    const pool = new ShopperPool(1, { ...config.shoppers, drift, seasonEvery: 0 }, catalog, 9);
    pool.spawn(0);
    const d = catalog.embeddingSize;
    const steps: number[] = [];
    for (let t = 0; t < 5000; t++) {
      const before = Array.from(pool.preference);
      // No click and no leaving: the step only remembers the slate and drifts.
      pool.advance(0, [0], emptyEvents());
      expect(Math.hypot(...pool.preference)).toBeCloseTo(1, 12);
      for (let j = 0; j < d; j++) steps.push(pool.preference[j]! - before[j]!);
    }
    const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
    const sd = Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / steps.length);
    expect(Math.abs(mean)).toBeLessThan(drift / 50);
    // Normalising again takes away the part along the taste itself: 1/d of the variance on average.
    expect(sd / (drift * Math.sqrt(1 - 1 / d))).toBeGreaterThan(0.97);
    expect(sd / (drift * Math.sqrt(1 - 1 / d))).toBeLessThan(1.03);
  });

  it('fatigue: showing the same item again lowers its click chance; a new one earns the novelty bonus', () => {
    const pool = new ShopperPool(1, config.shoppers, catalog, 8);
    pool.spawn(0);
    const p = new SlateProbabilities(1);
    const first = pool.probabilities(0, [5], p).click[0]!;
    const e = emptyEvents();
    pool.advance(0, [5], e);
    const again = pool.probabilities(0, [5], p).click[0]!;
    expect(again).toBeLessThan(first);
  });

  it('prices above the budget left cannot be bought', () => {
    const pool = new ShopperPool(1, config.shoppers, catalog, 8);
    pool.spawn(0);
    const dear = catalog.price.indexOf(Math.max(...catalog.price));
    pool.budgetLeft[0] = catalog.price[dear]! - 0.01;
    expect(pool.probabilities(0, [dear], new SlateProbabilities(1)).purchase[0]).toBe(0);
  });

  it('a new season redraws what each segment likes', () => {
    const c: ShopConfig = shopPreset('fashion');
    c.shoppers.seasonEvery = 10;
    const pool = new ShopperPool(1, c.shoppers, generateCatalog(c.catalog, 1), 2);
    pool.spawn(0);
    const before = pool.segmentDirection.slice();
    for (let s = 0; s < 10; s++) if (pool.advance(0, [0], emptyEvents())) pool.spawn(0);
    expect(pool.season).toBe(1);
    expect(Array.from(pool.segmentDirection)).not.toEqual(Array.from(before));
    // The next season starts at step 20 exactly, not before.
    for (let s = 10; s < 19; s++) if (pool.advance(0, [0], emptyEvents())) pool.spawn(0);
    expect(pool.season).toBe(1);
    pool.advance(0, [0], emptyEvents());
    expect(pool.season).toBe(2);
  });
});

describe('shop environment', () => {
  it('the same seed gives the same trajectory; another seed another', () => {
    const trace = (seed: number): string => {
      const env = new ShopEnv(shopPreset('electronics'), { seed });
      const agent = new RandomAgent(env, 11);
      let o = env.reset();
      const out: string[] = [];
      for (let t = 0; t < 300; t++) {
        const r = env.step(agent.act());
        out.push(`${r.info.events.clicked},${r.info.events.purchased},${r.done},${o.state}`);
        o = r.done ? env.reset() : r.observation;
      }
      return out.join(';');
    };
    expect(trace(1)).toBe(trace(1));
    expect(trace(2)).not.toBe(trace(1));
  });

  it('reports a regret ≥ 0 against the oracle, and the oracle agent has none', () => {
    const env = new ShopEnv(shopPreset('electronics'), { seed: 3 });
    const random = interact(env, new RandomAgent(env, 1), 500);
    expect(random.regret[499]).toBeGreaterThan(0);
    for (let t = 1; t < 500; t++)
      expect(random.regret[t]!).toBeGreaterThanOrEqual(random.regret[t - 1]! - 1e-12);
    const env2 = new ShopEnv(shopPreset('electronics'), { seed: 3 });
    expect(interact(env2, new OracleAgent(env2), 500).regret[499]).toBeCloseTo(0, 12);
  });

  it('pays rewards from the events as the preset weights say', () => {
    const w = rewardVector(REWARD_PRESETS['margin-churn'].weights);
    const env = new ShopEnv(shopPreset('fashion'), {
      seed: 4,
      reward: REWARD_PRESETS['margin-churn'].weights,
    });
    const agent = new RandomAgent(env, 2);
    env.reset();
    let sawChurn = false;
    let sawSale = false;
    for (let t = 0; t < 3000; t++) {
      const r = env.step(agent.act());
      const e = r.info.events;
      const expected =
        e.margin / env.catalog.config.priceMedian - (e.left && !e.purchased ? 0.1 : 0);
      expect(r.reward).toBeCloseTo(expected, 12);
      expect(
        dot(w, eventFeatures(e, env.catalog.config.priceMedian, new Float64Array(FEATURE_COUNT))),
      ).toBeCloseTo(r.reward, 12);
      sawChurn ||= e.left && !e.purchased;
      sawSale ||= e.purchased;
      if (r.done) env.reset();
    }
    expect(sawChurn && sawSale).toBe(true);
  });

  it('observes a documented state and context', () => {
    const config = shopPreset('fashion');
    const env = new ShopEnv(config, { seed: 1 });
    expect(env.numStates).toBe(numStatesOf(config));
    const o = env.reset();
    expect(o.state).toBeLessThan(env.numStates);
    expect(o.context).toHaveLength(1 + 3 + 4 + 2 + 8);
    expect(o.context![0]).toBe(1);
    expect(o.state % 3).toBe(0); // stage: the first step
  });

  it('shows slates of K items; agents that rank fill them, others are refused', () => {
    const config = { ...shopPreset('fashion'), slateSize: 4 };
    const env = new ShopEnv(config, { seed: 2 });
    const curves = interact(env, new RandomAgent(env, 1), 400);
    expect(curves.reward[399]).toBeGreaterThan(0);
    const single: Agent = { name: 'one-item', act: () => 0, learn: () => {} };
    expect(() => interact(env, single, 1)).toThrow(/cannot fill a slate of 4/);
    env.reset();
    expect(() => env.step([1, 2, 2, 3])).toThrow(/twice/);
    expect(() => env.step([1, 2, 3])).toThrow(/must have 4 items/);
    expect(() => env.step([1, 2, 3, 400])).toThrow(/item ids are 0-399/);
  });

  it('refuses bad configs with clear errors', () => {
    const base = shopPreset('fashion');
    const bad = (patch: (c: ShopConfig) => void): (() => ShopEnv) => {
      const c = shopPreset('fashion');
      patch(c);
      return () => new ShopEnv(c, { seed: 1 });
    };
    expect(bad((c) => (c.catalog.priceMedian = -5))).toThrow(/prices must be positive/);
    expect(bad((c) => (c.catalog.items = 0))).toThrow(/catalog is empty/);
    expect(bad((c) => (c.catalog.items = 20_000))).toThrow(
      /items must be a whole number from 10 to 10000/,
    );
    expect(bad((c) => (c.slateSize = 401))).toThrow(/cannot show more items than the catalog has/);
    expect(bad((c) => (c.shoppers.segments = []))).toThrow(/at least one shopper segment/);
    expect(bad((c) => (c.shoppers.funnel.cartGivenClick = 1.5))).toThrow(/cartGivenClick/);
    expect(bad((c) => (c.shoppers.segments[0]!.patience = 0))).toThrow(/patience/);
    expect(() => new ShopEnv(base, { seed: 1, reward: { click: NaN } })).toThrow(/finite/);
    expect(() => new ShopEnv(base, { seed: 1, reward: { likes: 1 } as never })).toThrow(
      /unknown reward feature "likes"/,
    );
    expect(() => new ShopEnv(base, { seed: 1 }).step(0)).toThrow(/reset\(\) before step/);
  });
});

describe('batched shop environment', () => {
  it('with one slot, walks exactly the trajectory of the single environment', () => {
    const config = shopPreset('grocery');
    const single = new ShopEnv(config, { seed: 6 });
    const batched = new BatchedShopEnv(config, { count: 1, seed: 6, oracle: true });
    const pick = createRandom(1);
    let o = single.reset();
    const slate = new Int32Array(1);
    for (let t = 0; t < 500; t++) {
      expect(batched.states[0]).toBe(o.state);
      expect(Array.from(batched.contexts)).toEqual(Array.from(o.context!));
      slate[0] = pick.int(config.catalog.items);
      const r = single.step(slate[0]);
      batched.step(slate);
      expect(batched.rewards[0]).toBe(r.reward);
      expect(batched.clicked[0]).toBe(r.info.events.clicked);
      expect(batched.regrets[0]).toBeCloseTo(r.info.regret, 12);
      expect(batched.dones[0]).toBe(r.done ? 1 : 0);
      o = r.done ? single.reset() : r.observation;
    }
  });

  it('advances many shoppers at once, starting new sessions where others end', () => {
    const config = shopPreset('fashion');
    const env = new BatchedShopEnv(config, { count: 1000, seed: 1, contexts: false });
    const slates = new Int32Array(1000);
    const rng = createRandom(2);
    let clicks = 0;
    let ends = 0;
    for (let t = 0; t < 20; t++) {
      for (let i = 0; i < slates.length; i++) slates[i] = rng.int(config.catalog.items);
      env.step(slates);
      for (let i = 0; i < 1000; i++) {
        clicks += env.clicked[i]! >= 0 ? 1 : 0;
        ends += env.dones[i]!;
      }
    }
    expect(clicks / 20_000).toBeGreaterThan(0.05);
    expect(clicks / 20_000).toBeLessThan(0.4);
    expect(ends).toBeGreaterThan(1000);
    expect(() => env.step(new Int32Array(5))).toThrow(/expected 1000 item ids/);
  });
});

describe('topK', () => {
  it('returns the indices of the largest scores, largest first', () => {
    expect(Array.from(topK([0.1, 0.9, 0.3, 0.7, 0.5], new Int32Array(3)))).toEqual([1, 3, 4]);
    expect(Array.from(topK([3, 1, 2], new Int32Array(3)))).toEqual([0, 2, 1]);
  });
});
