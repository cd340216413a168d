/**
 * The article's model as the lesson tells it: with the article's settings it
 * collapses onto a few digits, and its "made to work" variant (leaky ReLU,
 * Adam 1e-3, the same sizes) draws them all. Trained on tfjs's WASM backend
 * with the app's kernels, as the worker trains, on the shipped digits and
 * classifier; seed 1, as the lesson's button runs it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { presetFor, type GanConfig } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import { classesDrawn } from '../../../src/core/gan/metrics';
import type { GanMetrics } from '../../../src/core/gan/snapshot';
import { buildGan, disposeGan } from '../../../src/core/gan/models';
import type { ImageSource } from '../../../src/core/gan/real-pool';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { createRandom } from '../../../src/core/random';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { useWasmInNode } from '../helpers/kernel-checks';
import { mnistImageSource } from '../helpers/mnist';

let images: ImageSource;

beforeAll(async () => {
  await useWasmInNode();
  await useAllWasmKernels('wasm', 1);
  images = await mnistImageSource();
});

/** Trains `config` for up to `steps`, measuring every 250; stops at the first measurement `done` accepts. */
async function train(
  config: GanConfig,
  steps: number,
  done: (m: GanMetrics) => boolean,
): Promise<GanMetrics[]> {
  const job = new GanJob({ ...config, sampleEvery: 10_000, metricsEvery: 250 }, images);
  const seen: GanMetrics[] = [];
  for (let step = 1; step <= steps; step++) {
    job.trainStep();
    if (step % 250 === 0) {
      seen.push(...(await job.snapshot()).snapshot.metrics);
      if (seen.some(done)) break;
    }
  }
  job.dispose();
  return seen;
}

const variety = (m: GanMetrics) => m.inceptionScore >= 5 && classesDrawn(m.histogram) >= 9;

describe('the article’s model, as written and made to work', () => {
  it('keeps the article’s sizes, with leaky ReLU for relu and Adam at 1e-3', () => {
    const tuned = presetFor('article-tuned');
    expect(tuned.learningRateD).toBe(1e-3);
    expect(tuned.learningRateG).toBe(1e-3);
    expect({ ...tuned, model: 'article', learningRateD: 2e-4, learningRateG: 2e-4 }).toEqual(
      presetFor('article'),
    );
    expect(readLabConfig('gan', tuned).problem).toBeNull();
    expect(readLabConfig('gan', { ...tuned, dataset: 'own' }).problem).toBeNull();
    const layers = (kind: 'article' | 'article-tuned') => {
      const m = buildGan(presetFor(kind), createRandom(1));
      const out = {
        counts: [m.generator.countParams(), m.discriminator.countParams()],
        kinds: [...m.generator.layers, ...m.discriminator.layers].map((l) => l.getClassName()),
      };
      disposeGan(m);
      return out;
    };
    const article = layers('article');
    const variant = layers('article-tuned');
    expect(variant.counts).toEqual([1_112_720, 1_460_225]);
    expect(variant.counts).toEqual(article.counts);
    expect(article.kinds).not.toContain('LeakyReLU');
    // Three hidden layers in each network, each followed by a leaky ReLU.
    expect(variant.kinds.filter((k) => k === 'LeakyReLU')).toHaveLength(6);
  });

  it('with the article’s settings, collapses: fewer than 9 digits or a low IS after 1,000 steps', async () => {
    const seen = await train(presetFor('article'), 1000, () => false);
    expect(seen.map((m) => m.step)).toEqual([250, 500, 750, 1000]);
    expect(seen.some(variety)).toBe(false);
  }, 600_000);

  it('made to work, draws at least 9 digits at IS ≥ 5 within 1,500 steps', async () => {
    const seen = await train(presetFor('article-tuned'), 1500, variety);
    expect(seen.some(variety)).toBe(true);
  }, 600_000);
});
