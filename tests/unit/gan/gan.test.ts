import type * as TF from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitTrainTest, type MnistData } from '../../../src/core/data/mnist';
import { modeCoverage, sampleToy, toyModes } from '../../../src/core/data/toy';
import { FEATURE_SIZE, classifierOutputs } from '../../../src/core/gan/classifier';
import type { JobProgress } from '../../../src/core/jobs/job';
import { presetFor, type GanConfig } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import type { ImageSource } from '../../../src/core/gan/real-pool';
import { STATS_PER_STEP } from '../../../src/core/gan/snapshot';
import { discriminatorLoss, generatorLoss } from '../../../src/core/gan/losses';
import { featureStats, frechetDistance } from '../../../src/core/data/stats';
import { inceptionScore } from '../../../src/core/gan/metrics';
import {
  buildGan,
  discriminate,
  discriminatePair,
  generate,
  missingKernels,
  trainableVariables,
  MNIST_SHAPE,
  disposeGan,
} from '../../../src/core/gan/models';
import { DivergedError } from '../../../src/core/jobs/job';
import { createRandom } from '../../../src/core/random';
import { realMnist, shippedClassifier } from '../helpers/mnist';
import { useCpu } from '../helpers/setup-tf';
import { tensorCounts } from '../helpers/tensor-counts';

let tf: Awaited<ReturnType<typeof useCpu>>;
let data: MnistData;
let images: ImageSource;

beforeAll(async () => {
  tf = await useCpu();
  data = await realMnist();
  const split = splitTrainTest(data.count);
  const { model, manifest } = await shippedClassifier();
  images = {
    data,
    shape: MNIST_SHAPE,
    ...split,
    classifier: model,
    classifierAccuracy: manifest.testAccuracy,
  };
});

const logSigmoid = (l: number) => Math.log(1 / (1 + Math.exp(-l)));
const log1mSigmoid = (l: number) => Math.log(1 - 1 / (1 + Math.exp(-l)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function scalar(t: TF.Scalar): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v!;
}

function config(model: GanConfig['model'], overrides: Partial<GanConfig> = {}): GanConfig {
  return { ...presetFor(model), ...overrides };
}

describe('GAN models', () => {
  it('the article example has G 1,112,720 and D 1,460,225 parameters', () => {
    const m = buildGan(config('article'), createRandom(1));
    expect(m.generator.countParams()).toBe(1_112_720);
    expect(m.discriminator.countParams()).toBe(1_460_225);
    // 100 -> 128 -> 256 -> 1024 -> 784 and 784 -> 1024 -> 512 -> 256 -> 1.
    expect(m.generator.outputs[0]!.shape).toEqual([null, 784]);
    expect(m.discriminator.inputs[0]!.shape).toEqual([null, 784]);
    m.generator.dispose();
    m.discriminator.dispose();
  });

  it('the DCGAN and conditional GAN have their documented sizes and shapes', () => {
    const d = buildGan(config('dcgan'), createRandom(1));
    expect(d.generator.countParams()).toBe(234_369);
    expect(d.discriminator.countParams()).toBe(36_513);
    const c = buildGan(config('conditional'), createRandom(1));
    expect(c.generator.countParams()).toBe(265_729);
    expect(c.discriminator.countParams()).toBe(41_633);
    const out = tf.tidy(() => {
      const z = tf.randomNormal([3, 64]) as TF.Tensor2D;
      const labels = tf.oneHot(tf.tensor1d([1, 2, 3], 'int32'), 10) as TF.Tensor2D;
      const x = generate(c, z, labels, false);
      return [x.shape, discriminate(c, x, labels, false).shape];
    });
    expect(out).toEqual([[3, 784], [3]]);
    for (const m of [d, c]) {
      m.generator.dispose();
      m.discriminator.dispose();
    }
  });
});

describe('discriminatePair', () => {
  /** D's loss on a real and a fake batch, and its gradients for D's weights. */
  function lossAndGrads(
    m: ReturnType<typeof buildGan>,
    judge: (r: TF.Tensor2D, f: TF.Tensor2D) => TF.Tensor,
  ): number[][] {
    return tf.tidy(() => {
      const n = m.dataSize;
      const real = tf.randomUniform([5, n], -1, 1, 'float32', 3) as TF.Tensor2D;
      const fake = tf.randomUniform([7, n], -1, 1, 'float32', 4) as TF.Tensor2D;
      const { value, grads } = tf.variableGrads(
        () => discriminatorLoss('non-saturating', judge(real, fake), 5),
        trainableVariables(m.discriminator),
      );
      return [value, ...Object.values(grads)].map((t) => Array.from(t.dataSync()));
    });
  }

  function expectSame(a: number[][], b: number[][]): void {
    expect(a.map((x) => x.length)).toEqual(b.map((x) => x.length));
    a.forEach((x, i) => x.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
  }

  it.each(['article', 'dcgan', 'conditional', 'toy'] as const)(
    "judges real and fake as one batch for the %s GAN's D, with the same loss and gradients",
    (kind) => {
      const m = buildGan(config(kind), createRandom(4));
      expect(m.rowWiseD).toBe(true);
      const labels = (n: number, seed: number) =>
        m.conditional
          ? (tf.oneHot(
              tf.randomUniform([n], 0, 10, 'int32', seed) as TF.Tensor1D,
              10,
            ) as TF.Tensor2D)
          : null;
      const [rl, fl] = [labels(5, 8), labels(7, 9)];
      const separate = lossAndGrads(m, (r, f) =>
        tf.concat([discriminate(m, r, rl, true), discriminate(m, f, fl, true)]),
      );
      // D sees one batch of all 12 rows, and each side gets its own logits back.
      const batches: number[] = [];
      const apply = m.discriminator.apply.bind(m.discriminator);
      m.discriminator.apply = (x, kwargs) => {
        batches.push((x as TF.Tensor).shape[0]!);
        return apply(x, kwargs);
      };
      const shapes: number[][] = [];
      const paired = lossAndGrads(m, (r, f) => {
        const out = discriminatePair(m, r, rl, f, fl, true);
        shapes.push(out.shape);
        return out;
      });
      expect(batches).toEqual([12]);
      // One column: the real rows' logits first, then the fake ones'.
      expect(shapes).toEqual([[12, 1]]);
      expectSame(paired, separate);
      tf.dispose([rl, fl].filter((t) => t !== null));
      disposeGan(m);
    },
  );

  it('keeps the batches apart for a D with batch statistics, where one batch would change the result', () => {
    const m = buildGan(config('toy'), createRandom(5));
    const d = tf.sequential();
    d.add(tf.layers.dense({ inputShape: [2], units: 4 }));
    d.add(tf.layers.batchNormalization());
    d.add(tf.layers.dense({ units: 1 }));
    m.discriminator.dispose();
    const bn = { ...m, discriminator: d, rowWiseD: false };
    const separate = lossAndGrads(bn, (r, f) =>
      tf.concat([discriminate(bn, r, null, true), discriminate(bn, f, null, true)]),
    );
    expectSame(
      lossAndGrads(bn, (r, f) => discriminatePair(bn, r, null, f, null, true)),
      separate,
    );
    // Forced into one batch, the statistics mix real and fake rows: another loss.
    const mixed = lossAndGrads({ ...bn, rowWiseD: true }, (r, f) =>
      discriminatePair({ ...bn, rowWiseD: true }, r, null, f, null, true),
    );
    expect(Math.abs(mixed[0]![0]! - separate[0]![0]!)).toBeGreaterThan(1e-3);
    disposeGan(bn);
  });
});

describe('backend kernels', () => {
  it('names the conv gradient kernels a backend lacks, only for the conv GANs', () => {
    expect(missingKernels('dcgan', 'cpu')).toEqual([]);
    expect(missingKernels('conditional', 'no-such-backend')).toEqual([
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
    ]);
    expect(missingKernels('article', 'no-such-backend')).toEqual([]);
    expect(missingKernels('toy', 'no-such-backend')).toEqual([]);
  });
});

describe('GAN losses equal hand-computed values', () => {
  const real = [2, -1, 0.3];
  const fake = [0.5, -3, 1.2];

  it('minimax / non-saturating discriminator loss, with and without label smoothing', async () => {
    const both = tf.tensor1d([...real, ...fake]);
    const plain = -mean(real.map(logSigmoid)) - mean(fake.map(log1mSigmoid));
    expect(await scalar(discriminatorLoss('non-saturating', both, 3))).toBeCloseTo(plain, 5);
    expect(await scalar(discriminatorLoss('minimax', both, 3))).toBeCloseTo(plain, 5);
    const smoothed =
      -mean(real.map((l) => 0.9 * logSigmoid(l) + 0.1 * log1mSigmoid(l))) -
      mean(fake.map(log1mSigmoid));
    expect(await scalar(discriminatorLoss('minimax', both, 3, 0.1))).toBeCloseTo(smoothed, 5);
    both.dispose();
  });

  it('generator losses: minimax log(1 - D), non-saturating -log D, hinge -score', async () => {
    const lf = tf.tensor1d(fake);
    expect(await scalar(generatorLoss('minimax', lf))).toBeCloseTo(mean(fake.map(log1mSigmoid)), 5);
    expect(await scalar(generatorLoss('non-saturating', lf))).toBeCloseTo(
      -mean(fake.map(logSigmoid)),
      5,
    );
    expect(await scalar(generatorLoss('hinge', lf))).toBeCloseTo(-mean(fake), 5);
    lf.dispose();
  });

  it('hinge discriminator loss', async () => {
    const both = tf.tensor1d([...real, ...fake]);
    const expected =
      mean(real.map((l) => Math.max(0, 1 - l))) + mean(fake.map((l) => Math.max(0, 1 + l)));
    expect(await scalar(discriminatorLoss('hinge', both, 3))).toBeCloseTo(expected, 5);
    both.dispose();
  });

  it('the minimax G loss saturates where D rejects fakes; the non-saturating one does not', () => {
    // Gradients w.r.t. the fake logit at l = -6 (D is sure the fakes are fake).
    const at = tf.tensor1d([-6]);
    const g = (kind: 'minimax' | 'non-saturating') =>
      Math.abs(
        tf
          .grad((l: TF.Tensor) => generatorLoss(kind, l as TF.Tensor1D))(at)
          .dataSync()[0]!,
      );
    expect(g('minimax')).toBeLessThan(0.01);
    expect(g('non-saturating')).toBeGreaterThan(0.99);
    at.dispose();
  });
});

describe('GAN training', () => {
  it('one discriminator step lowers D loss on a fixed batch (article model, real digits)', async () => {
    const m = buildGan(config('article'), createRandom(2));
    const rng = createRandom(3);
    const idx = Array.from({ length: 32 }, () => images.train[rng.int(images.train.length)]!);
    const real = tf.tidy(() => {
      const x = new Float32Array(32 * 784);
      idx.forEach((k, i) => {
        for (let p = 0; p < 784; p++) x[i * 784 + p] = data.pixels[k * 784 + p]! / 127.5 - 1;
      });
      return tf.tensor2d(x, [32, 784]);
    });
    const fake = tf.tidy(() =>
      generate(m, tf.randomNormal([32, 100], 0, 1, 'float32', 4) as TF.Tensor2D, null, false),
    );
    const loss = () =>
      discriminatorLoss(
        'non-saturating',
        tf.concat([discriminate(m, real, null, true), discriminate(m, fake, null, true)]),
        32,
      );
    const before = await scalar(tf.tidy(loss));
    const opt = tf.train.adam(2e-4, 0.5);
    tf.tidy(() => {
      opt.minimize(loss, false, trainableVariables(m.discriminator));
    });
    const after = await scalar(tf.tidy(loss));
    expect(after).toBeLessThan(before);
    opt.dispose();
    real.dispose();
    fake.dispose();
    m.generator.dispose();
    m.discriminator.dispose();
  });

  it('a toy GAN on the ring of 8 Gaussians covers more modes after training than at start', async () => {
    const job = new GanJob(config('toy', { seed: 5 }), null);
    const start = (await job.snapshot()).snapshot.toy!.coverage!;
    for (let i = 0; i < 500; i++) {
      job.trainStep();
      if (i % 50 === 49) await job.flush();
    }
    const end = (await job.snapshot()).snapshot.toy!.coverage!;
    job.dispose();
    expect(start.total).toBe(8);
    expect(end.hit).toBeGreaterThan(start.hit);
    expect(end.hit).toBeGreaterThanOrEqual(7);
    expect(end.quality).toBeGreaterThan(start.quality + 0.2);
  });

  it('keeps the tensor count flat over 200 steps', async () => {
    const job = new GanJob(config('toy'), null);
    const counts = await tensorCounts(job, 200, 10);
    job.dispose();
    const early = Math.max(...counts.slice(0, 10));
    const late = Math.max(...counts.slice(10));
    expect(late).toBeLessThanOrEqual(early);
  });

  it('the conditional GAN leaks no tensors either, with metrics and samples on', async () => {
    const job = new GanJob(
      // The pure-JS cpu backend is slow at conv gradients and at the metrics: a small batch
      // and the fewest steps that still measure, sample and compare three times.
      config('conditional', { batchSize: 2, metricsEvery: 2, metricsSamples: 100, sampleEvery: 1 }),
      images,
    );
    const reports: (JobProgress | null)[] = [];
    job.onProgress = (p) => reports.push(p && { ...p });
    const before = tf.memory().numTensors;
    const counts = await tensorCounts(job, 6, 2);
    job.dispose();
    expect(Math.max(...counts.slice(1))).toBeLessThanOrEqual(counts[0]!);
    expect(before).toBeGreaterThan(0);

    // Each measurement told its progress, from 0 to the total, then null. The first also
    // classified the real train and test digits (the reference), the later ones only the fakes.
    const runs: JobProgress[][] = [[]];
    for (const r of reports) {
      if (r) runs.at(-1)!.push(r);
      else runs.push([]);
    }
    runs.pop();
    expect(runs).toHaveLength(3);
    const real = images.train.length + images.test.length;
    expect(runs.map((r) => r[0]!.total)).toEqual([100 + real, 100, 100]);
    for (const r of runs) {
      expect(r[0]!.done).toBe(0);
      expect(r.at(-1)!.done).toBe(r[0]!.total);
      expect(r.every((p, i) => i === 0 || p.done >= r[i - 1]!.done)).toBe(true);
      expect(r.every((p) => p.task === 'Measuring IS and FID')).toBe(true);
    }
    // About 35 s alone; the whole suite shares two cores, so give it room beyond the default 60 s.
  }, 180_000);

  it('reports per-step stats, samples from fixed noise and interpolations that end on them', async () => {
    const job = new GanJob(
      config('dcgan', { batchSize: 2, sampleEvery: 1, metricsEvery: 0 }),
      images,
    );
    job.trainStep();
    job.trainStep();
    const { snapshot } = await job.snapshot();
    expect(snapshot.stats.length).toBe(2 * STATS_PER_STEP);
    expect(snapshot.firstStatStep).toBe(0);
    const [dLoss, gLoss, dReal, dFake] = snapshot.stats;
    expect(dLoss).toBeGreaterThan(0);
    expect(gLoss).toBeGreaterThan(0);
    expect(dReal).toBeGreaterThan(0);
    expect(dFake).toBeLessThan(1);
    const grid = snapshot.samples!;
    expect(grid.count).toBe(64);
    expect(grid.pixels.length).toBe(64 * 784);
    const line = await job.answer({ kind: 'interpolate', from: 3, to: 10, steps: 6 });
    expect(line.count).toBe(6);
    expect(Array.from(line.pixels.subarray(0, 784))).toEqual(
      Array.from(grid.pixels.subarray(3 * 784, 4 * 784)),
    );
    expect(Array.from(line.pixels.subarray(5 * 784))).toEqual(
      Array.from(grid.pixels.subarray(10 * 784, 11 * 784)),
    );
    await expect(job.answer({ kind: 'generate', digit: 3, count: 4 })).rejects.toThrow(
      /conditional/,
    );
    job.dispose();
  });

  it('a NaN pauses with DivergedError and restoreLastGood brings back finite training', async () => {
    const job = new GanJob(config('toy'), null);
    for (let i = 0; i < 120; i++) {
      job.trainStep();
      if (i % 20 === 19) await job.flush();
    }
    // Poison D's weights, as a blown-up learning rate would.
    const models = (job as unknown as { models: ReturnType<typeof buildGan> }).models;
    const poisoned = models.discriminator.getWeights().map((w) => tf.fill(w.shape, NaN));
    models.discriminator.setWeights(poisoned);
    poisoned.forEach((t) => t.dispose());
    job.trainStep();
    const failure = await job.flush().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DivergedError);
    expect(String(failure)).toMatch(/diverged.*step 121/);
    const back = await job.restoreLastGood();
    expect(back).toBeGreaterThanOrEqual(50);
    expect(back).toBeLessThanOrEqual(120);
    expect(job.step).toBe(back);
    for (let i = 0; i < 20; i++) job.trainStep();
    await job.flush();
    const { snapshot } = await job.snapshot();
    expect(snapshot.stats.every(Number.isFinite)).toBe(true);
    expect(snapshot.step).toBe(back + 20);
    job.dispose();
  });

  it('a resumed job trains on exactly as one that never stopped (toy and article models)', async () => {
    async function losses(job: GanJob, steps: number): Promise<number[]> {
      for (let i = 0; i < steps; i++) job.trainStep();
      return Array.from((await job.snapshot()).snapshot.stats);
    }
    const cases: [GanConfig, ImageSource | null, number][] = [
      [config('toy', { seed: 9, learningRateD: 0.002 }), null, 30],
      [config('article', { batchSize: 4, sampleEvery: 1000, metricsEvery: 0 }), images, 3],
    ];
    for (const [cfg, source, steps] of cases) {
      const unbroken = new GanJob(cfg, source);
      await losses(unbroken, steps);
      const saved = await unbroken.saveState();
      const expected = await losses(unbroken, steps);
      unbroken.dispose();

      const resumed = new GanJob(cfg, source);
      await resumed.loadState(saved);
      expect(resumed.step).toBe(steps);
      const got = await losses(resumed, steps);
      expect(got.length).toBe(steps * STATS_PER_STEP);
      expect(got).toEqual(expected);
      // The random stream is part of it: with another one, the same weights train differently.
      const otherRng = new GanJob(cfg, source);
      await otherRng.loadState({ ...saved, rng: createRandom(123).state() });
      expect(await losses(otherRng, steps)).not.toEqual(expected);
      otherRng.dispose();
      // And a state without Adam's moments is refused rather than resumed differently.
      const noAdam = new GanJob(cfg, source);
      await expect(noAdam.loadState({ ...saved, optimizer: [] })).rejects.toThrow(/no optD state/);
      noAdam.dispose();
      resumed.dispose();
    }
  });

  it('refuses a saved state of another model or into a job that has trained', async () => {
    const toy = new GanJob(config('toy'), null);
    toy.trainStep();
    const saved = await toy.saveState();
    await expect(toy.loadState(saved)).rejects.toThrow(/fresh job/);
    const other = new GanJob(config('toy', { toyHidden: 16 }), null);
    await expect(other.loadState(saved)).rejects.toThrow(
      /in the checkpoint but \[2, 16\] in the model/,
    );
    const dcgan = new GanJob(config('dcgan', { batchSize: 2 }), images);
    await expect(dcgan.loadState(saved)).rejects.toThrow(/toy model, not dcgan/);
    [toy, other, dcgan].forEach((j) => j.dispose());
  });

  it('takes live settings but refuses ones that need a rebuild', () => {
    const job = new GanJob(config('toy'), null);
    job.reconfigure(config('toy', { loss: 'hinge', learningRateD: 5e-4, dStepsPerG: 2 }));
    expect(job.currentConfig.loss).toBe('hinge');
    expect(() => job.reconfigure(config('toy', { latentSize: 3 }))).toThrow(/latentSize.*rebuild/);
    expect(() => job.reconfigure(config('toy', { batchSize: 0 }))).toThrow(/batchSize/);
    job.trainStep();
    job.dispose();
  });
});

describe("GANs on the user's own images", () => {
  /** n solid 32×32 colour images, alternating red and blue. */
  function colourSet(n: number): ImageSource {
    const size = 32 * 32 * 3;
    const pixels = new Uint8Array(n * size);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < 32 * 32; p++) pixels[i * size + p * 3 + (i % 2 === 0 ? 0 : 2)] = 255;
    return {
      data: { count: n, pixels, labels: null },
      shape: { side: 32, channels: 3 },
      train: Uint32Array.from({ length: n }, (_, i) => i),
      test: new Uint32Array(0),
      classifier: null,
    };
  }

  it('the DCGAN builds for 32×32 colour and trains, with colour samples and walks', async () => {
    const m = buildGan(config('dcgan'), createRandom(1), { side: 32, channels: 3 });
    // G: 64*8*8*64 + BN 256 + 4*4*64*32 + BN 128 + 4*4*32*3 + 3; D: 4*4*3*32+32 + 4*4*32*64+64 + 8*8*64+1.
    expect(m.generator.countParams()).toBe(296_835);
    expect(m.discriminator.countParams()).toBe(38_497);
    expect(m.generator.outputs[0]!.shape).toEqual([null, 32 * 32 * 3]);
    disposeGan(m);
    const job = new GanJob(
      config('dcgan', { dataset: 'own', batchSize: 2, sampleEvery: 1, metricsEvery: 2 }),
      colourSet(8),
    );
    job.trainStep();
    job.trainStep();
    const { snapshot } = await job.snapshot();
    expect(snapshot.stats.length).toBe(2 * STATS_PER_STEP);
    expect(snapshot.stats.every(Number.isFinite)).toBe(true);
    expect(snapshot.metrics).toEqual([]); // no classifier judges the user's images
    expect(snapshot.samples).toMatchObject({ side: 32, channels: 3, count: 64 });
    expect(snapshot.samples!.pixels.length).toBe(64 * 32 * 32 * 3);
    const walk = await job.answer({ kind: 'interpolate', from: 0, to: 1, steps: 3 });
    expect(walk).toMatchObject({ side: 32, channels: 3, count: 3 });
    expect(Array.from(walk.pixels.subarray(0, 3072))).toEqual(
      Array.from(snapshot.samples!.pixels.subarray(0, 3072)),
    );
    job.dispose();
  });

  it('refuses sets that do not fit the model', () => {
    expect(() => new GanJob(config('conditional', { dataset: 'own' }), colourSet(8))).toThrow(
      /dataset your own images train the article example or the DCGAN/,
    );
    expect(() => new GanJob(config('conditional'), colourSet(8))).toThrow(/labelled digits/);
    const judged = { ...colourSet(8), classifier: images.classifier };
    expect(() => new GanJob(config('dcgan', { dataset: 'own' }), judged)).toThrow(
      /classifier can only judge 28×28 greyscale/,
    );
    const short = colourSet(8);
    short.data.count = 9;
    expect(() => new GanJob(config('dcgan', { dataset: 'own' }), short)).toThrow(
      /holds 24576 bytes, not 9 × 3072/,
    );
    expect(() => buildGan(config('dcgan'), createRandom(1), { side: 30, channels: 3 })).toThrow(
      /multiple of 4/,
    );
  });
});

describe('toy distributions', () => {
  it('samples from a ring cover all 8 modes and all lie near one', () => {
    const pts = sampleToy('ring', 4000, createRandom(1));
    const cov = modeCoverage(pts, toyModes('ring')!);
    expect(cov).toMatchObject({ hit: 8, total: 8 });
    expect(cov.quality).toBeGreaterThan(0.99);
  });

  it('drawn points are sampled around what the user drew', () => {
    const drawn = [1, 1, -1, -1];
    const pts = sampleToy('drawn', 500, createRandom(2), drawn);
    for (let i = 0; i < 500; i++) {
      const near = Math.min(
        Math.hypot(pts[2 * i]! - 1, pts[2 * i + 1]! - 1),
        Math.hypot(pts[2 * i]! + 1, pts[2 * i + 1]! + 1),
      );
      expect(near).toBeLessThan(0.4);
    }
  });
});

describe('quality metrics with the shipped classifier', () => {
  async function outputs(x01: Float32Array, n: number) {
    const out = classifierOutputs(images.classifier!, tf.tensor2d(x01, [n, 784]));
    const [p, f] = await Promise.all([out.probs.data(), out.features.data()]);
    out.probs.dispose();
    out.features.dispose();
    return { p, f };
  }
  const digits = (indices: Uint32Array) => {
    const x = new Float32Array(indices.length * 784);
    indices.forEach((k, i) => {
      for (let p = 0; p < 784; p++) x[i * 784 + p] = data.pixels[k * 784 + p]! / 255;
    });
    return x;
  };

  it('real test digits score an IS near 10 classes and far above noise', async () => {
    const test = images.test;
    const real = await outputs(digits(test), test.length);
    const rng = createRandom(9);
    const noise = await outputs(
      Float32Array.from({ length: 1000 * 784 }, () => rng.next()),
      1000,
    );
    const isReal = inceptionScore(real.p, test.length, 10);
    const isNoise = inceptionScore(noise.p, 1000, 10);
    expect(isReal).toBeGreaterThan(8);
    expect(isReal).toBeLessThanOrEqual(10);
    expect(isNoise).toBeLessThan(2);

    const train = await outputs(digits(images.train.slice(0, 3000)), 3000);
    const trainStats = featureStats(train.f, 3000, FEATURE_SIZE);
    const fidReal = frechetDistance(featureStats(real.f, test.length, FEATURE_SIZE), trainStats);
    const fidNoise = frechetDistance(featureStats(noise.f, 1000, FEATURE_SIZE), trainStats);
    expect(fidNoise).toBeGreaterThan(20 * fidReal);
  });

  it('the job measures IS, FID and a histogram against the real-digit reference', async () => {
    const job = new GanJob(
      config('dcgan', { batchSize: 2, metricsEvery: 2, metricsSamples: 200, sampleEvery: 100 }),
      images,
    );
    job.trainStep();
    job.trainStep();
    const { snapshot } = await job.snapshot();
    job.dispose();
    expect(snapshot.metrics).toHaveLength(1);
    const [m] = snapshot.metrics;
    const ref = snapshot.reference!;
    expect(m!.step).toBe(2);
    expect(m!.histogram.reduce((a, b) => a + b)).toBe(200);
    // An untrained generator is far from real digits on both counts.
    expect(m!.fid).toBeGreaterThan(10 * ref.fid);
    expect(m!.inceptionScore).toBeLessThan(ref.inceptionScore);
    expect(ref.inceptionScore).toBeGreaterThan(8);
    expect(ref.histogram.reduce((a, b) => a + b)).toBe(images.test.length);
  });
});
