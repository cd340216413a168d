/** The node baseline for `npm run bench`: a GAN job's steps per second on tfjs's cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { decodeMnist, parseManifest, splitTrainTest } from '../../src/core/data/mnist';
import { presetFor, type GanModelKind } from '../../src/core/gan/config';
import { GanJob } from '../../src/core/gan/gan-job';
import { MNIST_SHAPE } from '../../src/core/gan/models';

export async function ganStepsPerSecond(
  model: GanModelKind,
  windowMs: number,
): Promise<{ stepsPerSecond: number; steps: number }> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  await tf.setBackend('cpu');
  const dir = 'public/data/mnist/';
  const manifest = parseManifest(JSON.parse(await readFile(dir + 'manifest.json', 'utf8')));
  const data = await decodeMnist(manifest, new Uint8Array(await readFile(dir + manifest.file)));
  const config = { ...presetFor(model), metricsEvery: 0 };
  const job = new GanJob(
    config,
    model === 'toy'
      ? null
      : { data, shape: MNIST_SHAPE, ...splitTrainTest(data.count), classifier: null },
  );
  job.trainStep(); // warm-up
  await job.flush();
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < windowMs || steps === 0) {
    job.trainStep();
    await job.flush();
    steps++;
  }
  const elapsed = performance.now() - t0;
  job.dispose();
  return { stepsPerSecond: Number(((steps * 1000) / elapsed).toFixed(2)), steps };
}
