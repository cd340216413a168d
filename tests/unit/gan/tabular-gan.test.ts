import type * as TF from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../src/core/data/interaction-log';
import {
  BUYER_TASK,
  buyerColumn,
  shopperFeatures,
  type ShopperSegments,
} from '../../../src/core/data/shopper-features';
import { simulatedLogCsv } from '../../../src/core/rl/sim/simulated-log';
import { clippedGradientSum } from '../../../src/core/gan/clipped-gradients';
import { realTerms } from '../../../src/core/gan/losses';
import { mlp, trainableVariables } from '../../../src/core/gan/models';
import { dpDelta, dpEpsilon } from '../../../src/core/gan/privacy';
import { TABULAR_PRESET, type TabularGanConfig } from '../../../src/core/gan/tabular-config';
import { TabularGanJob } from '../../../src/core/gan/tabular-job';
import {
  TABULAR_STATS_PER_STEP,
  type TabularData,
  type TabularSnapshot,
} from '../../../src/core/gan/tabular-snapshot';
import { createRandom } from '../../../src/core/random';
import { useCpu } from '../helpers/setup-tf';

let tf: typeof TF;
let shoppers: TabularData;
let segments: ShopperSegments;

beforeAll(async () => {
  tf = await useCpu();
  const log = await parseInteractionLog(
    simulatedLogCsv({ shop: 'fashion', sessions: 300, seed: 8 }),
  );
  const f = shopperFeatures(log);
  segments = f.segments!;
  shoppers = {
    names: f.names,
    values: f.values,
    shares: f.shares,
    task: { target: buyerColumn(f.names), threshold: BUYER_TASK.threshold },
  };
});

const config = (o: Partial<TabularGanConfig> = {}): TabularGanConfig => ({
  ...TABULAR_PRESET,
  hidden: 32,
  fidelityEvery: 10,
  ...o,
});

async function run(job: TabularGanJob, steps: number): Promise<TabularSnapshot> {
  for (let i = 0; i < steps; i++) job.trainStep();
  return (await job.snapshot()).snapshot;
}

const meanDistance = (s: TabularSnapshot) =>
  s.fidelity!.marginals.reduce((a, m) => a + m.distance, 0) / s.fidelity!.marginals.length;

describe('the tabular GAN', () => {
  it('learns simulated shoppers: closer marginals, useful rows, no copies, shares that sum to 1', async () => {
    const job = new TabularGanJob(config({ fidelityEvery: 800 }), shoppers);
    expect(job.split).toEqual({ train: 240, holdout: 60 });
    const start = await run(job, 0);
    const end = await run(job, 800);
    expect(end.stats.length).toBe(800 * TABULAR_STATS_PER_STEP);
    expect(meanDistance(end)).toBeLessThan(0.6 * meanDistance(start));
    expect(end.fidelity!.memorisation.flagged).toBe(false);
    const cols = shoppers.names.length;
    const rows = end.fidelity!.synthetic;
    for (let r = 0; r < rows.length / cols; r++) {
      let sum = 0;
      for (let c = 0; c < shoppers.shares; c++) sum += rows[r * cols + c]!;
      expect(sum).toBeCloseTo(1, 4);
    }
    const t = end.fidelity!.tstr;
    if ('problem' in t) throw new Error(t.problem);
    expect(t.real).toBeGreaterThan(0.8);
    expect(t.synthetic).toBeGreaterThan(0.85);
    expect('problem' in start.fidelity!.tstr).toBe(true); // an untrained G makes one kind of shopper
    expect(end.privacy).toBeNull();
    job.dispose();
  }, 120_000);

  it('replays exactly from a saved state, and keeps the tensor count flat', async () => {
    const whole = new TabularGanJob(config(), shoppers);
    const a = await run(whole, 30);
    const b = await run(whole, 30);
    const counts = [tf.memory().numTensors];
    await run(whole, 30);
    counts.push(tf.memory().numTensors);
    expect(counts[1]).toBe(counts[0]);

    const first = new TabularGanJob(config(), shoppers);
    const a2 = await run(first, 30);
    const saved = await first.saveState();
    first.dispose();
    const second = new TabularGanJob(config(), shoppers);
    await second.loadState(saved);
    const b2 = await run(second, 30);
    expect(Array.from(a2.stats)).toEqual(Array.from(a.stats));
    expect(Array.from(b2.stats)).toEqual(Array.from(b.stats));
    whole.dispose();
    second.dispose();
  }, 120_000);

  it('under DP-SGD reports the ε the accountant gives, and its noise is not replayable', async () => {
    const c = config({ privacy: true, noiseMultiplier: 1.5, batchSize: 32 });
    const job = new TabularGanJob(c, shoppers);
    const s1 = await run(job, 20);
    const s2 = await run(job, 20);
    const q = 32 / 240;
    expect(s1.privacy).toEqual({
      epsilon: dpEpsilon(20, q, 1.5, dpDelta(240)),
      delta: 1e-5,
      sampleRate: q,
      steps: 20,
    });
    expect(s2.privacy!.epsilon).toBeGreaterThan(s1.privacy!.epsilon);
    const losses = (s: TabularSnapshot) => Array.from(s.stats).filter((_, i) => i % 4 < 2);
    expect(losses(s2).every(Number.isFinite)).toBe(true);
    const twin = new TabularGanJob(c, shoppers);
    const t1 = await run(twin, 20);
    expect(losses(t1)).not.toEqual(losses(s1));
    job.dispose();
    twin.dispose();
  }, 120_000);

  it('conditioned on the segment, keeps the segments apart as the real shoppers are', async () => {
    const cols = shoppers.names.length;
    const band = shoppers.names.indexOf('price band');
    const meanBand = (values: Float32Array, labels: Int32Array, k: number) => {
      let sum = 0;
      let n = 0;
      labels.forEach((l, r) => {
        if (l !== k) return;
        sum += values[r * cols + band]!;
        n++;
      });
      return sum / n;
    };
    const data = { ...shoppers, condition: segments };
    // 1,600 steps: at 800 the sample log's premium shoppers came out no cheaper than its bargain hunters.
    const job = new TabularGanJob(config({ fidelityEvery: 1600 }), data);
    const end = await run(job, 1600);
    job.dispose();
    const labels = end.syntheticLabels!;
    const synthetic = end.fidelity!.synthetic;
    expect(labels).toHaveLength(synthetic.length / cols);
    const K = segments.names.length;
    const real = Array.from({ length: K }, (_, k) => meanBand(shoppers.values, segments.labels, k));
    const made = Array.from({ length: K }, (_, k) => meanBand(synthetic, labels, k));
    // Every segment is made, in about its real share.
    for (let k = 0; k < K; k++) {
      const share = (l: Int32Array) => l.filter((v) => v === k).length / l.length;
      expect(Math.abs(share(labels) - share(segments.labels))).toBeLessThan(0.1);
    }
    // The cheapest segment stays the cheapest. (The other two buy within 0.01 of each other's
    // price band in this log, so which of them is dearer is a coin toss.)
    const cheapest = (xs: number[]) => xs.indexOf(Math.min(...xs));
    expect(cheapest(made)).toBe(cheapest(real));
    const realGap = Math.max(...real) - Math.min(...real);
    expect(Math.max(...made) - Math.min(...made)).toBeGreaterThan(realGap / 2);

    // Without a condition there are no labels; a private conditioned run trains too.
    const plain = new TabularGanJob(config(), shoppers);
    expect((await run(plain, 1)).syntheticLabels).toBeNull();
    plain.dispose();
    const priv = new TabularGanJob(config({ privacy: true }), data);
    const s = await run(priv, 3);
    priv.dispose();
    expect(
      Array.from(s.stats)
        .filter((_, i) => i % 4 < 2)
        .every(Number.isFinite),
    ).toBe(true);
    expect(
      () =>
        new TabularGanJob(config(), {
          ...shoppers,
          condition: { ...segments, labels: new Int32Array(3) },
        }),
    ).toThrow(/3 labels for 300 rows/);
  }, 120_000);

  it('refuses too few shoppers and values outside [0, 1]', () => {
    const small = { ...shoppers, values: shoppers.values.slice(0, 10 * shoppers.names.length) };
    expect(() => new TabularGanJob(config(), small)).toThrow(
      /at least 20 shoppers; this log has 10/,
    );
    const bad = { ...shoppers, values: shoppers.values.map((v, i) => (i === 5 ? 1.5 : v)) };
    expect(() => new TabularGanJob(config(), bad)).toThrow(
      /Shopper 1 has .* = 1.5; every feature must lie in \[0, 1\]/,
    );
  });
});

describe('per-row clipped gradients', () => {
  it('equal each row clipped on its own and summed, computed one row at a time', () => {
    const model = mlp('d', [4, 6, 5, 1], 'leakyRelu', 'linear', createRandom(2));
    const rng = createRandom(9);
    const x = tf.tensor2d(
      Float32Array.from({ length: 7 * 4 }, () => rng.next()),
      [7, 4],
    );
    const loss = (out: TF.Tensor1D) => realTerms('non-saturating', out) as TF.Tensor1D;
    const vars = trainableVariables(model);
    const rows = Array.from({ length: 7 }, (_, i) => {
      const xi = tf.slice(x, [i, 0], [1, 4]);
      const { grads } = tf.variableGrads(
        () =>
          tf.sum(loss(tf.reshape(model.apply(xi) as TF.Tensor, [1]) as TF.Tensor1D)) as TF.Scalar,
        vars,
      );
      return vars.map((v) => grads[v.name]!.arraySync() as number[] | number[][]);
    });
    const norms = rows.map((g) => Math.sqrt(g.flat(2).reduce((s, v) => s + v * v, 0)));
    for (const clip of [100, 0.05]) {
      const got = tf.tidy(() => {
        const r = clippedGradientSum(model, x, loss, clip);
        return { sums: r.sums.map((t) => t.arraySync()), norms: r.norms.arraySync() };
      });
      got.norms.forEach((n, i) => expect(n).toBeCloseTo(norms[i]!, 4));
      vars.forEach((_, k) => {
        const want = rows
          .map((g, i) => (g[k]!.flat() as number[]).map((v) => v * Math.min(1, clip / norms[i]!)))
          .reduce((a, b) => a.map((v, j) => v + b[j]!));
        const have = (got.sums[k] as number[] | number[][]).flat() as number[];
        have.forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 4));
      });
      if (clip < 1) expect(Math.max(...norms)).toBeGreaterThan(clip); // clipping really bit
    }
    x.dispose();
    model.dispose();
  });
});
