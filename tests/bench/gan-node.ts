/**
 * The node baselines for `npm run bench`: a GAN job's steps per second on
 * tfjs's cpu backend, and on its wasm backend with the kernel as shipped and
 * with the app's explicit-transpose matMul (src/core/kernels/wasm/wasm-matmul.ts),
 * GEMM kernel (wasm-gemm.ts), then with all the app's kernels (fused Adam, copies,
 * column sums, vector tanh, one-pass activation gradients), then (conv models)
 * XNNPACK's convolution gradients and the convolutions through the GEMM
 * (wasm-conv-gemm.ts); and the leak check: tensors and bytes over 1,000 steps.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { useAllWasmKernels } from '../../src/core/kernels/wasm/all-kernels';
import { useConvFilterGradient, useConvInputGradient } from '../../src/core/kernels/wasm/wasm-conv';
import { restoreShipped } from '../../src/core/kernels/kernel-swap';
import { FUSED_ADAM } from '../../src/core/kernels/fused-adam';
import { useWasmAdam } from '../../src/core/kernels/wasm/wasm-adam';
import { useWasmColumnSum } from '../../src/core/kernels/wasm/wasm-column-sum';
import { useWasmCopies } from '../../src/core/kernels/wasm/wasm-copies';
import { useWasmGemm } from '../../src/core/kernels/wasm/wasm-gemm';
import { useWasmTanh } from '../../src/core/kernels/wasm/wasm-tanh';
import { useExplicitTranspose } from '../../src/core/kernels/wasm/wasm-matmul';
import { useConvGemm } from '../../src/core/kernels/wasm/wasm-conv-gemm';
import {
  ACTIVATION_GRAD,
  useFusedActivationGrad,
} from '../../src/core/kernels/wasm/wasm-activation-grad';
import { decodeMnist, parseManifest, splitTrainTest } from '../../src/core/data/mnist';
import { presetFor, type GanModelKind } from '../../src/core/gan/config';
import { GanJob } from '../../src/core/gan/gan-job';
import type { ImageSource } from '../../src/core/gan/real-pool';
import { MNIST_SHAPE } from '../../src/core/gan/models';

export interface NodeRow {
  label: string;
  stepsPerSecond: number;
  steps: number;
}

// Relaxed SIMD (the GEMM kernel's fused multiply-add) is behind a flag in node 20's V8, as
// Chromium had it before version 114; the browser rows have it on by default.
setFlagsFromString('--experimental-wasm-relaxed-simd');

/** The shipped MNIST, as the image GANs' data. */
export async function mnistSource(): Promise<ImageSource> {
  const dir = 'public/data/mnist/';
  const manifest = parseManifest(JSON.parse(await readFile(dir + 'manifest.json', 'utf8')));
  const data = await decodeMnist(manifest, new Uint8Array(await readFile(dir + manifest.file)));
  return { data, shape: MNIST_SHAPE, ...splitTrainTest(data.count), classifier: null };
}

async function measure(
  model: GanModelKind,
  windowMs: number,
): Promise<{ stepsPerSecond: number; steps: number }> {
  const config = { ...presetFor(model), metricsEvery: 0 };
  const job = new GanJob(config, model === 'toy' ? null : await mnistSource());
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

/**
 * cpu, then wasm with the shipped kernels, then with explicit transposes, then (conv
 * models) with the conv gradients too, then the convolutions through the GEMM;
 * each stays installed for the next.
 */
export async function ganNodeRows(model: GanModelKind, windowMs: number): Promise<NodeRow[]> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  const rows: NodeRow[] = [];
  await tf.setBackend('cpu');
  rows.push({ label: 'node, tfjs cpu', ...(await measure(model, windowMs)) });
  setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, as in the app today
  if (!(await tf.setBackend('wasm'))) return rows;
  // The convolutional GANs need the app's Conv2DBackpropFilter even to start on WASM. The
  // other kernels start as shipped: an earlier model (or leak check) in this process changed them.
  useConvFilterGradient('wasm');
  restoreShipped('BatchMatMul', 'wasm');
  restoreShipped('_FusedMatMul', 'wasm');
  restoreShipped('Conv2DBackpropInput', 'wasm');
  restoreShipped('Identity', 'wasm');
  restoreShipped('GatherV2', 'wasm');
  restoreShipped('Sum', 'wasm');
  restoreShipped('Tanh', 'wasm');
  restoreShipped('Tile', 'wasm');
  restoreShipped('Mean', 'wasm');
  restoreShipped('Conv2D', 'wasm');
  restoreShipped('FusedConv2D', 'wasm');
  restoreShipped('Conv2DBackpropFilter', 'wasm');
  // Without their kernel the activations' gradients are tfjs's own.
  for (const k of [FUSED_ADAM, ACTIVATION_GRAD])
    if (tf.getKernel(k, 'wasm')) tf.unregisterKernel(k, 'wasm');
  rows.push({ label: 'node, tfjs wasm, shipped matMul', ...(await measure(model, windowMs)) });
  useExplicitTranspose('wasm');
  rows.push({ label: 'node, tfjs wasm, explicit transposes', ...(await measure(model, windowMs)) });
  // Same machine, same run: what the app's GEMM kernel adds on its own, then the conv gradients.
  const gemm = await useWasmGemm('wasm');
  if (gemm) {
    rows.push({
      label: `node, tfjs wasm, app's GEMM kernel (${gemm.fma ? 'FMA' : 'no FMA'})`,
      ...(await measure(model, windowMs)),
    });
  }
  const more = [
    await useWasmAdam('wasm'),
    await useWasmCopies('wasm'),
    await useWasmColumnSum('wasm'),
    await useFusedActivationGrad('wasm'),
  ];
  if (more.every(Boolean) && (await useWasmTanh('wasm'))) {
    rows.push({
      label: `node, tfjs wasm, all the app's kernels`,
      ...(await measure(model, windowMs)),
    });
  }
  if (model === 'dcgan' || model === 'conditional') {
    useConvInputGradient('wasm');
    rows.push({
      label: `node, tfjs wasm, ${gemm ? "app's GEMM" : 'explicit transposes'} + XNNPACK conv gradients`,
      ...(await measure(model, windowMs)),
    });
    if (gemm && (await useConvGemm('wasm'))) {
      rows.push({
        label: "node, tfjs wasm, all the app's kernels, convolutions through its GEMM",
        ...(await measure(model, windowMs)),
      });
    }
  }
  return rows;
}

export interface LeakRow {
  label: string;
  note: string;
  /** Tensors alive at step 25, at half way and at the end. */
  tensors: number[];
  bytes: number[];
  /** The WASM module's heap at the same steps (it grows, never shrinks). */
  heapBytes: number[];
}

/**
 * Trains `model` 1,000 steps on WASM the way the worker does (stats read
 * every 25 steps, samples every 100), at the lab's own batch size, and reads
 * tfjs's tensor and byte counts and the module's heap along the way: the
 * memory a model takes, and whether it stays flat.
 */
export async function ganLeakRows(model: GanModelKind): Promise<LeakRow[]> {
  const steps = 1000;
  const { batchSize } = presetFor(model);
  await tf.setBackend('wasm');
  await useAllWasmKernels('wasm');
  const job = new GanJob(
    { ...presetFor(model), batchSize, metricsEvery: 0, sampleEvery: 100 },
    model === 'toy' ? null : await mnistSource(),
  );
  const tensors: number[] = [];
  const bytes: number[] = [];
  const heapBytes: number[] = [];
  // The module's memory: tfjs keeps it on the backend object, not in its typings.
  const heap = () =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
  for (let i = 1; i <= steps; i++) {
    job.trainStep();
    if (i % 100 === 0) await job.snapshot();
    if (i % 25 === 0) await job.flush();
    if (i === 25 || i === steps / 2 || i === steps) {
      tensors.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      heapBytes.push(heap());
    }
  }
  job.dispose();
  return [
    {
      label: "node, tfjs wasm (app's kernels)",
      note: `${steps.toLocaleString('en')} steps at batch ${batchSize}`,
      tensors,
      bytes,
      heapBytes,
    },
  ];
}
