import { beforeAll, describe, expect, it } from 'vitest';
import { holdoutSplit } from '../../../src/core/data/holdout';
import { parseInteractionLog } from '../../../src/core/data/interaction-log';
import { shopperFeatures, type ShopperFeatures } from '../../../src/core/data/shopper-features';
import { simulatedLogCsv } from '../../../src/core/rl/sim/simulated-log';
import { TABULAR_PRESET } from '../../../src/core/gan/tabular-config';
import { TabularGanJob } from '../../../src/core/gan/tabular-job';
import { createRandom } from '../../../src/core/random';
import {
  COLD_START_PRESET,
  coldStartConfigError,
  runColdStart,
} from '../../../src/core/rl/cold-start';
import {
  defaultRecsysConfig,
  labShop,
  recsysConfigError,
  type SyntheticPopulation,
} from '../../../src/core/rl/lab/config';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import { RecsysJob } from '../../../src/core/rl/lab/recsys-job';
import { generateCatalog } from '../../../src/core/rl/sim/catalog';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { shopPreset, checkShopConfig } from '../../../src/core/rl/sim/presets';
import {
  categoryMap,
  profilesFromFeatures,
  type FeatureRows,
} from '../../../src/core/rl/sim/profiles';
import type { ShopperProfile } from '../../../src/core/rl/sim/shopper-config';
import { ShopEnv } from '../../../src/core/rl/sim/shop-env';
import { useCpu } from '../helpers/setup-tf';

let log: Awaited<ReturnType<typeof parseInteractionLog>>;
let features: ShopperFeatures;
const shop = shopPreset('fashion');
// The sample-style log below comes from ShopEnv seed 1, whose catalog is generated from seed 1.
const catalog = generateCatalog(shop.catalog, 1);

beforeAll(async () => {
  log = await parseInteractionLog(simulatedLogCsv({ shop: 'fashion', sessions: 600, seed: 1 }));
  features = shopperFeatures(log);
});

/** A table of `n` copies of one row, with the given columns changed. */
function rowsLike(base: number, changes: Record<string, number>[]): FeatureRows {
  const D = features.names.length;
  const values = new Float32Array(changes.length * D);
  changes.forEach((change, r) => {
    values.set(features.values.subarray(base * D, (base + 1) * D), r * D);
    for (const [name, v] of Object.entries(change))
      values[r * D + features.names.indexOf(name)] = v;
  });
  return { ...features, values };
}

function centroid(c: number): number[] {
  const d = catalog.embeddingSize;
  const m = new Array<number>(d).fill(0);
  for (let i = 0; i < catalog.size; i++)
    if (catalog.category[i] === c)
      for (let j = 0; j < d; j++) m[j]! += catalog.embedding[i * d + j]!;
  const norm = Math.hypot(...m);
  return m.map((v) => v / norm);
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j]!, 0);

describe('shoppers from feature rows', () => {
  it('maps "cat-N" shares onto catalog category N, and other names by rank', () => {
    expect(categoryMap(['share: cat-3', 'share: cat-10', 'share: other'], 3, 10)).toEqual([2, 9]);
    expect(categoryMap(['share: shoes', 'share: cat-2', 'share: other'], 3, 10)).toEqual([0, 1]);
    expect(categoryMap(['share: a', 'share: b', 'share: c', 'share: other'], 4, 2)).toEqual([
      0, 1, 0,
    ]);
  });

  it('point a shopper who mostly engages with one category at it, and read price and activity the right way round', () => {
    const S = features.shares;
    const only = (name: string) =>
      Object.fromEntries(features.names.slice(0, S).map((n) => [n, n === name ? 1 : 0]));
    const target = features.names[2]!; // e.g. "share: cat-7"
    const c = Number(/(\d+)$/.exec(target)![1]) - 1;
    const [focused] = profilesFromFeatures(rowsLike(0, [only(target)]), shop, catalog);
    const cosines = Array.from({ length: shop.catalog.categories }, (_, k) =>
      dot(focused!.preference, centroid(k)),
    );
    expect(cosines.indexOf(Math.max(...cosines))).toBe(c);
    expect(Math.hypot(...focused!.preference)).toBeCloseTo(1, 9);

    const byBand = profilesFromFeatures(
      rowsLike(0, [{ 'price band': 0.2 }, { 'price band': 0.5 }, { 'price band': 0.8 }]),
      shop,
      catalog,
    );
    const sensitivity = byBand.map((p) => p.priceSensitivity);
    const budget = byBand.map((p) => p.budget);
    expect(sensitivity[0]).toBeGreaterThan(sensitivity[1]!);
    expect(sensitivity[1]).toBeGreaterThan(sensitivity[2]!);
    expect(budget[0]).toBeLessThan(budget[1]!);
    expect(budget[1]).toBeLessThan(budget[2]!);

    const byActivity = profilesFromFeatures(
      rowsLike(0, [
        { activity: 0.3, 'click rate': 0.1 },
        { activity: 0.6, 'click rate': 0.1 },
      ]),
      shop,
      catalog,
    );
    expect(byActivity[0]!.patience).toBeLessThan(byActivity[1]!.patience);
  });

  it('make a population that clicks, buys and stays about as the logged shoppers did', () => {
    const profiles = profilesFromFeatures(features, shop, catalog);
    expect(profiles).toHaveLength(features.users);
    const env = new ShopEnv(
      { ...shop, shoppers: { ...shop.shoppers, profiles } },
      { seed: 5, catalog },
    );
    // The log showed random items, so random slates ask the population the same question.
    const rng = createRandom(3);
    let steps = 0;
    let clicks = 0;
    let buys = 0;
    for (let s = 0; s < 600; s++) {
      env.reset();
      for (let done = false; !done;) {
        const out = env.step(rng.int(env.numActions));
        steps++;
        clicks += +(out.info.events.clicked >= 0);
        buys += +out.info.events.purchased;
        done = out.done;
      }
    }
    const e = log.summary.events;
    const near = (got: number, want: number) =>
      expect(Math.abs(got - want) / want).toBeLessThan(0.2);
    near(clicks / steps, e.click / e.view);
    near(buys / clicks, e.purchase / e.click);
    near(steps / 600, e.view / features.users);
  });

  it('arrive as given, and a bad one is refused with its number', () => {
    const profile: ShopperProfile = {
      segment: 2,
      preference: centroid(4),
      priceSensitivity: 0.7,
      patience: 3,
      budget: 2,
    };
    const env = new ShopEnv(
      { ...shop, shoppers: { ...shop.shoppers, profiles: [profile] } },
      { seed: 9, catalog },
    );
    env.reset();
    const pool = env.shoppers;
    expect(pool.segment[0]).toBe(2);
    expect(Array.from(pool.preference)).toEqual(profile.preference);
    expect(pool.priceSensitivity[0]).toBe(0.7);
    expect(pool.patience[0]).toBe(3);
    expect(pool.budget[0]).toBe(2 * shop.catalog.priceMedian);
    const bad = {
      ...shop,
      shoppers: { ...shop.shoppers, profiles: [profile, { ...profile, patience: 0 }] },
    };
    expect(() => checkShopConfig(bad)).toThrow(/shopper 2 of the population: patience/);
    const short = {
      ...shop,
      shoppers: { ...shop.shoppers, profiles: [{ ...profile, preference: [1, 0] }] },
    };
    expect(() => checkShopConfig(short)).toThrow(/needs 8 finite numbers/);
  });
});

describe('the cold-start experiment', () => {
  it('refuses bad settings by field', () => {
    expect(coldStartConfigError(COLD_START_PRESET)).toBeNull();
    expect(coldStartConfigError({ ...COLD_START_PRESET, agent: 'dqn' })?.field).toBe('agent');
    expect(coldStartConfigError({ ...COLD_START_PRESET, firstSteps: 0 })?.field).toBe('firstSteps');
    expect(coldStartConfigError({ ...COLD_START_PRESET, newShoppers: 1.5 })?.field).toBe(
      'newShoppers',
    );
  });

  it('runs end to end from a log and its GAN: both pre-trained recommenders beat the cold one', async () => {
    await useCpu();
    // The GAN learns the training rows; its seed fixes which rows are held out as new shoppers.
    const gan = new TabularGanJob(
      { ...TABULAR_PRESET, hidden: 32, fidelityEvery: 600, seed: 4 },
      { names: features.names, values: features.values, shares: features.shares, task: null },
    );
    for (let i = 0; i < 600; i++) gan.trainStep();
    const synthetic = (await gan.snapshot()).snapshot.fidelity!.synthetic;
    gan.dispose();
    const split = holdoutSplit(features.users, createRandom(4));
    expect(split.holdout.length).toBe(gan.split.holdout);

    const progress: number[] = [];
    const config = { ...COLD_START_PRESET, pretrainSessions: 800, newShoppers: 300, seed: 2 };
    const result = runColdStart({ config, real: features, split, synthetic }, (done, total) =>
      progress.push(done / total),
    );
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    const [cold, fromGan, fromLog] = result.arms;
    expect(result.arms.map((a) => a.arm)).toEqual(['cold', 'synthetic', 'real']);
    for (const arm of result.arms) {
      expect(arm.byStep.shown[0]).toBe(300); // every new shopper's first step counts
      expect(arm.byStep.shown.reduce((a, b) => a + b)).toBe(arm.steps);
      expect(arm.byStep.clicks.reduce((a, b) => a + b)).toBe(arm.clicks);
      expect(arm.blocks.at(-1)!.shoppers).toBe(300);
    }
    expect(cold!.pretrainShoppers).toBe(0);
    expect(fromGan!.pretrainShoppers).toBe(800);
    expect(fromGan!.ctr).toBeGreaterThan(cold!.ctr + cold!.ctrMargin);
    expect(fromLog!.ctr).toBeGreaterThan(cold!.ctr + cold!.ctrMargin);
    expect(fromGan!.conversion).toBeGreaterThan(cold!.conversion);

    const again = runColdStart({ config, real: features, split, synthetic });
    expect(again.arms.map((a) => a.clicks)).toEqual(result.arms.map((a) => a.clicks));
  }, 120_000);
});

describe('synthetic shoppers in the recommender lab', () => {
  function population(rows: number): SyntheticPopulation {
    const D = features.names.length;
    return {
      source: 'a test',
      names: [...features.names],
      shares: features.shares,
      scale: { ...features.scale },
      values: Array.from(features.values.subarray(0, rows * D)),
    };
  }

  it('checks the rows wherever they come from, and old settings without them still open', () => {
    const base = { ...defaultRecsysConfig('electronics'), agents: [agentSettings('ucb')] };
    expect(readLabConfig('recsys', base).problem).toBeNull();
    const withRows = { ...base, synthetic: population(40) };
    expect(recsysConfigError(withRows)).toBeNull();
    expect(readLabConfig('recsys', withRows).problem).toBeNull();
    const p = population(40);
    p.values[features.names.length * 3 + 1] = 1.5;
    expect(recsysConfigError({ ...base, synthetic: p })).toEqual({
      field: 'synthetic',
      message: `shopper 4 has ${features.names[1]} outside [0, 1]`,
    });
    const noRates = {
      ...population(2),
      names: features.names.map((n) => n.replace('rate', 'ratio')),
    };
    expect(readLabConfig('recsys', { ...base, synthetic: noRates }).problem).toMatch(
      /lack the columns click rate, cart rate, purchase rate/,
    );
    expect(readLabConfig('recsys', { ...base, synthetic: 'rows' }).problem).toMatch(
      /must be an object/,
    );
  });

  it('arrive in the shop as the rows say, and a race runs on them', async () => {
    await useCpu();
    const config = {
      ...defaultRecsysConfig('electronics'),
      population: 4,
      agents: [agentSettings('ucb')],
      synthetic: population(30),
    };
    const { shop, catalog } = labShop(config);
    const profiles = shop.shoppers.profiles!;
    expect(profiles).toHaveLength(30);
    const env = new ShopEnv(shop, { seed: 3, catalog });
    for (let visit = 0; visit < 5; visit++) {
      env.reset();
      const arrived = Array.from(env.shoppers.preference);
      expect(profiles.some((p) => p.preference.every((v, j) => v === arrived[j]))).toBe(true);
    }
    const job = await RecsysJob.create(config, 'cpu');
    for (let i = 0; i < 50; i++) job.trainStep();
    await job.flush();
    const { snapshot } = await job.snapshot();
    job.dispose();
    expect(snapshot.decisions).toBe(200);
    expect(snapshot.agents[0]!.funnel[0]).toBe(200);
  });
});
