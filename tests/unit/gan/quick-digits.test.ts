/**
 * The quick-digits view (a conditional MLP GAN): its sizes, its label
 * inputs, and the claim the home page and the GAN lab make for it, that its
 * preset draws all ten digits (the digits bar) within the steps the bench
 * times. Trained here on tfjs's WASM backend with the app's kernels (as the
 * worker trains; tfjs cpu would take half an hour), with the shipped digits
 * and classifier.
 */
import type * as TF from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isConditional, presetFor } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import { DIGITS_BAR, classesDrawn, meetsDigitsBar } from '../../../src/core/gan/metrics';
import {
  buildGan,
  discriminate,
  discriminatePair,
  disposeGan,
  generate,
} from '../../../src/core/gan/models';
import type { ImageSource } from '../../../src/core/gan/real-pool';
import { createRandom } from '../../../src/core/random';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { mnistImageSource } from '../helpers/mnist';
import * as tf from '@tensorflow/tfjs';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { useWasmInNode } from '../helpers/kernel-checks';

let images: ImageSource;

beforeAll(async () => {
  await useWasmInNode();
  await useAllWasmKernels('wasm', 1);
  images = await mnistImageSource();
});

describe('the quick-digits GAN', () => {
  it('has G 552,976 and D 538,625 parameters, and both take the digit', () => {
    const m = buildGan(presetFor('conditional-mlp'), createRandom(1));
    expect(isConditional('conditional-mlp')).toBe(true);
    expect(m.conditional).toBe(true);
    expect(m.generator.countParams()).toBe(552_976);
    expect(m.discriminator.countParams()).toBe(538_625);
    expect(m.generator.inputs[0]!.shape).toEqual([null, 64 + 10]);
    expect(m.discriminator.inputs[0]!.shape).toEqual([null, 784 + 10]);
    const [same, other, pair] = tf.tidy(() => {
      const z = tf.randomNormal([4, 64], 0, 1, 'float32', 2) as TF.Tensor2D;
      const seven = tf.oneHot(tf.fill([4], 7, 'int32') as TF.Tensor1D, 10) as TF.Tensor2D;
      const one = tf.oneHot(tf.fill([4], 1, 'int32') as TF.Tensor1D, 10) as TF.Tensor2D;
      const x = generate(m, z, seven, false);
      const both = tf.reshape(discriminatePair(m, x, seven, x, one, false), [8]);
      const [real, fake] = [tf.slice(both, [0], [4]), tf.slice(both, [4], [4])];
      return [
        discriminate(m, x, seven, false).arraySync(),
        discriminate(m, x, one, false).arraySync(),
        [real.arraySync(), fake.arraySync()],
      ];
    });
    // D reads the label: the same images judged as 7s and as 1s get other logits.
    expect(same).not.toEqual(other);
    // Judging real and fake as one batch is the same as judging them apart.
    (pair as number[][])[0]!.forEach((v, i) => expect(v).toBeCloseTo((same as number[])[i]!, 5));
    (pair as number[][])[1]!.forEach((v, i) => expect(v).toBeCloseTo((other as number[])[i]!, 5));
    disposeGan(m);
  });

  it('is a GAN config a saved session or a link may carry', () => {
    expect(readLabConfig('gan', presetFor('conditional-mlp')).problem).toBeNull();
    expect(readLabConfig('gan', { ...presetFor('conditional-mlp'), model: 'mlp' }).problem).toMatch(
      /^model must be one of article, .*conditional-mlp, toy, not "mlp"$/,
    );
  });

  it('judges the digits bar by confidence, variety and FID together', () => {
    const even = new Array<number>(10).fill(100);
    expect(classesDrawn(even)).toBe(10);
    expect(classesDrawn([950, 50, 0, 0, 0, 0, 0, 0, 0, 0])).toBe(2);
    expect(classesDrawn([])).toBe(0);
    const good = { inceptionScore: 8, fid: 10, histogram: even };
    expect(meetsDigitsBar(good)).toBe(true);
    expect(meetsDigitsBar({ ...good, inceptionScore: DIGITS_BAR.inceptionScore - 0.01 })).toBe(
      false,
    );
    expect(meetsDigitsBar({ ...good, fid: DIGITS_BAR.fid + 0.1 })).toBe(false);
    const eightDigits = [...new Array<number>(8).fill(120), 30, 10];
    expect(classesDrawn(eightDigits)).toBe(8);
    expect(meetsDigitsBar({ ...good, histogram: eightDigits })).toBe(false);
  });

  it('its preset draws all kinds of digit within 2,000 steps (seed 1)', async () => {
    const job = new GanJob({ ...presetFor('conditional-mlp'), sampleEvery: 10_000 }, images);
    let reached: number | null = null;
    for (let step = 1; step <= 2000 && reached === null; step++) {
      job.trainStep();
      if (step % 100 === 0) {
        const { snapshot } = await job.snapshot();
        const m = snapshot.metrics.find(meetsDigitsBar);
        if (m) reached = m.step;
      }
    }
    job.dispose();
    expect(reached).not.toBeNull();
  }, 600_000);
});
