/**
 * The node baselines for `npm run bench`: a GAN job's steps per second on
 * tfjs's cpu backend, and on its wasm backend with the kernel as shipped and
 * with the app's explicit-transpose matMul (src/core/compute/wasm-matmul.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useExplicitTranspose } from '../../src/core/compute/wasm-matmul';
import { decodeMnist, parseManifest, splitTrainTest } from '../../src/core/data/mnist';
import { presetFor, type GanModelKind } from '../../src/core/gan/config';
import { GanJob } from '../../src/core/gan/gan-job';
import { MNIST_SHAPE } from '../../src/core/gan/models';

export interface NodeRow {
  label: string;
  stepsPerSecond: number;
  steps: number;
}

async function measure(
  model: GanModelKind,
  windowMs: number,
): Promise<{ stepsPerSecond: number; steps: number }> {
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

/** cpu, then wasm with the shipped kernel, then wasm with explicit transposes (it stays installed). */
export async function ganNodeRows(model: GanModelKind, windowMs: number): Promise<NodeRow[]> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  const rows: NodeRow[] = [];
  await tf.setBackend('cpu');
  rows.push({ label: 'node, tfjs cpu', ...(await measure(model, windowMs)) });
  setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, as in the app today
  if (!(await tf.setBackend('wasm'))) return rows;
  rows.push({ label: 'node, tfjs wasm, shipped matMul', ...(await measure(model, windowMs)) });
  useExplicitTranspose('wasm');
  rows.push({ label: 'node, tfjs wasm, explicit transposes', ...(await measure(model, windowMs)) });
  return rows;
}
