/**
 * A page for webgpu-kernels.spec.ts and wasm-kernels.spec.ts, served by the
 * dev server: runs products and convolutions through the app's kernels (the
 * software-adapter ones on this browser's WebGPU adapter, the GEMM and Adam
 * on WASM) and through tfjs's cpu backend, and reports how far apart they are;
 * likewise the lazy layers' gradients (src/core/kernels/lazy-layers.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activateBackend } from '../../../src/core/compute/activate';
import { probeCapabilities } from '../../../src/core/compute/probe';
import { adam, FUSED_ADAM } from '../../../src/core/kernels/fused-adam';
import { wasmGemmInfo } from '../../../src/core/kernels/wasm/wasm-gemm';
import { useIm2colConvolutions } from '../../../src/core/kernels/webgpu/webgpu-conv';
import { useGatherConvInputGradient } from '../../../src/core/kernels/webgpu/webgpu-conv-input';
import { useRegisterBlockMatMul } from '../../../src/core/kernels/webgpu/webgpu-matmul';
import { useWebGpuAdam } from '../../../src/core/kernels/webgpu/webgpu-adam';
import { useWebGpuIm2col } from '../../../src/core/kernels/webgpu/webgpu-im2col';
import { IM2COL, patches, scratch } from '../../../src/core/kernels/conv/im2col';
import { compileInParallel, setCompileAheadPays } from '../../../src/core/compute/parallel-compile';
import { presetFor } from '../../../src/core/gan/config';
import { GanJob } from '../../../src/core/gan/gan-job';
import { gradients, twinNetworks, type Want } from '../../unit/helpers/gan-networks';
import { model, SHAPES, trainingPass } from '../../unit/helpers/batch-norm-nets';
import { useBatchNorm } from '../../../src/core/kernels/batch-norm';
import {
  HARDWARE_LANES,
  useWebGpuBatchNorm,
} from '../../../src/core/kernels/webgpu/webgpu-batch-norm';

export interface MatMulCase {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Leading batch shapes of a and b ([] for plain matrices). */
  batchA: number[];
  batchB: number[];
  bias: boolean;
  activation: 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | null;
}

export interface CaseResult {
  shape: number[];
  cpuShape: number[];
  /** Largest |backend − cpu| over the largest |cpu|: rounding only. */
  relativeError: number;
  /** Tensors alive after the product was disposed, less before. */
  leaked: number;
}

interface Operands {
  a: tf.Tensor;
  b: tf.Tensor;
  bias: tf.Tensor | undefined;
}

function operands(c: MatMulCase, seed: number): Operands {
  const aShape = [...c.batchA, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...c.batchB, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
  return {
    a: tf.randomUniform(aShape, -1, 1, 'float32', seed),
    b: tf.randomUniform(bShape, -1, 1, 'float32', seed + 1),
    bias: c.bias ? tf.randomUniform([c.n], -1, 1, 'float32', seed + 2) : undefined,
  };
}

function product(c: MatMulCase, o: Operands): tf.Tensor {
  if (!c.bias && c.activation === null) return tf.matMul(o.a, o.b, c.transposeA, c.transposeB);
  return tf.fused.matMul({
    a: o.a,
    b: o.b,
    transposeA: c.transposeA,
    transposeB: c.transposeB,
    ...(o.bias ? { bias: o.bias } : {}),
    ...(c.activation ? { activation: c.activation } : {}),
    leakyreluAlpha: 0.3,
  });
}

/** Runs `c` on `backend` from the same seeded operands; returns the product's values and shape. */
async function run(
  c: MatMulCase,
  backend: string,
  seed: number,
): Promise<{ values: Float32Array; shape: number[]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const o = operands(c, seed);
  const out = product(c, o);
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  tf.dispose([out, o.a, o.b, o.bias].filter((t): t is tf.Tensor => t !== undefined));
  return { values, shape, leaked: tf.memory().numTensors - before };
}

/** Compares every case on webgpu (register-block kernel installed) with cpu. */
async function compare(cases: MatMulCase[]): Promise<CaseResult[]> {
  await tf.setBackend('webgpu');
  await tf.ready();
  if (!useRegisterBlockMatMul('webgpu')) throw new Error('the WebGPU backend has no BatchMatMul');
  return compareWith('webgpu', cases);
}

/**
 * Starts WASM as the app does (threads, the GEMM kernel) and compares every
 * case with cpu; also says what the kernel was built for and how many
 * products it took.
 */
async function compareWasm(cases: MatMulCase[]) {
  const info = await activateBackend(['wasm'], 'wasm', await probeCapabilities(), {
    wasmPrefix: '/tfjs-wasm/',
  });
  const before = wasmGemmInfo()?.products ?? 0;
  const results = await compareWith('wasm', cases);
  const gemm = wasmGemmInfo();
  return {
    results,
    threads: info.wasm?.threads ?? 0,
    gemm,
    products: (gemm?.products ?? 0) - before,
  };
}

async function compareWith(backend: string, cases: MatMulCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    const got = await run(c, backend, 17 * i + 1);
    const cpu = await run(c, 'cpu', 17 * i + 1);
    results.push({
      shape: got.shape,
      cpuShape: cpu.shape,
      relativeError: relative(got.values, cpu.values),
      leaked: got.leaked,
    });
  }
  return results;
}

/** The programs the WebGPU backend has compiled so far (their shader keys). */
function compiledPrograms(): string[] {
  const backend = tf.findBackend('webgpu') as unknown as {
    pipelineCache?: Record<string, unknown>;
  };
  return Object.keys(backend.pipelineCache ?? {});
}

/** Gradients of a dense layer's loss with respect to its input, kernel and bias on `backend`. */
async function denseGrads(backend: string): Promise<number[][]> {
  await tf.setBackend(backend);
  const x = tf.randomUniform([33, 70], -1, 1, 'float32', 5);
  const w = tf.randomUniform([70, 45], -1, 1, 'float32', 6);
  const b = tf.randomUniform([45], -1, 1, 'float32', 7);
  const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }).square().mean() as tf.Scalar;
  const grads = tf.grads(loss)([x, w, b]);
  const out = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
  tf.dispose([x, w, b, ...grads]);
  return out;
}

/** The largest |webgpu − cpu| over a dense layer's three gradients, with the kernel installed. */
async function denseGradientError(): Promise<number> {
  await tf.setBackend('webgpu');
  useRegisterBlockMatMul('webgpu');
  const gpu = await denseGrads('webgpu');
  const cpu = await denseGrads('cpu');
  let worst = 0;
  gpu.forEach((g, i) => g.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - cpu[i]![j]!)))));
  return worst;
}

/** The largest |a − b| over the largest |b|: 0 for equal arrays, Infinity for lengths that differ. */
function relative(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  let scale = 0;
  for (let j = 0; j < b.length; j++) {
    worst = Math.max(worst, Math.abs(a[j]! - b[j]!));
    scale = Math.max(scale, Math.abs(b[j]!));
  }
  return worst / Math.max(scale, 1e-30);
}

interface ConvLayer {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  outChannels: number;
  f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;
}

/**
 * The DCGAN's layers (D's strided convolution with bias and ReLU, G's
 * transposed one), and two more for the input gradient's channel blocks:
 * six channels (a block of four left ragged, a filter the stride does not
 * divide) and one.
 */
const CONV_LAYERS: Record<string, ConvLayer> = {
  conv: {
    xShape: [4, 14, 14, 8],
    wShape: [4, 4, 8, 16],
    outChannels: 16,
    f: (x, w, b) =>
      tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias: b, activation: 'relu' }),
  },
  transposed: {
    xShape: [4, 7, 7, 16],
    wShape: [4, 4, 8, 16],
    outChannels: 8,
    f: (x, w, b) => tf.add(tf.conv2dTranspose(x, w, [4, 14, 14, 8], 2, 'same'), b),
  },
  sixChannels: {
    xShape: [3, 9, 9, 6],
    wShape: [3, 3, 6, 5],
    outChannels: 5,
    f: (x, w, b) => tf.add(tf.conv2d(x, w, 2, 'same'), b),
  },
  oneChannel: {
    xShape: [2, 8, 8, 1],
    wShape: [4, 4, 1, 3],
    outChannels: 3,
    f: (x, w, b) => tf.add(tf.conv2d(x, w, 2, 'valid'), b),
  },
};

/** A layer's output and its gradients for x, w and b (loss: sum of output times a fixed probe). */
async function convRun(layer: ConvLayer, backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const { f } = layer;
  const x = tf.randomUniform(layer.xShape, -1, 1, 'float32', 11) as tf.Tensor4D;
  const w = tf.randomUniform(layer.wShape, -1, 1, 'float32', 12) as tf.Tensor4D;
  const b = tf.randomUniform([layer.outChannels], -1, 1, 'float32', 13) as tf.Tensor1D;
  const out = tf.tidy(() => {
    const y = f(x, w, b);
    const probe = tf.randomUniform(y.shape, -1, 1, 'float32', 14);
    const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D), probe)) as tf.Scalar;
    return [y, ...tf.grads(loss)([x, w, b])];
  });
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([x, w, b, ...out]);
  return data;
}

/** For each layer: the relative error of output, dx, dw and db on webgpu against cpu. */
async function compareConvs(): Promise<Record<string, number[]>> {
  await tf.setBackend('webgpu');
  useRegisterBlockMatMul('webgpu');
  if (!useIm2colConvolutions('webgpu') || !useGatherConvInputGradient('webgpu'))
    throw new Error('the WebGPU backend lacks a kernel');
  const result: Record<string, number[]> = {};
  for (const [name, layer] of Object.entries(CONV_LAYERS)) {
    const gpu = await convRun(layer, 'webgpu');
    const cpu = await convRun(layer, 'cpu');
    result[name] = gpu.map((g, i) => relative(g, cpu[i]!));
  }
  return result;
}

/**
 * For each layer shape above and a 'valid' 3×3 stride-1 case: the patch
 * matrix cut by the app's one-dispatch shader and by slices (the kernel
 * unregistered), as bits that differ, and the dispatches each took.
 */
async function comparePatches(): Promise<
  Record<string, { differing: number; values: number; dispatches: [number, number] }>
> {
  await tf.setBackend('webgpu');
  if (!useWebGpuIm2col('webgpu')) throw new Error('the WebGPU backend is missing');
  const shader = tf.getKernel(IM2COL, 'webgpu')!;
  const layers: [string, number[], number[], number, 'same' | 'valid'][] = [
    ...Object.entries(CONV_LAYERS).map(
      ([name, l]) =>
        [name, l.xShape, l.wShape, 2, name === 'oneChannel' ? 'valid' : 'same'] as [
          string,
          number[],
          number[],
          number,
          'same' | 'valid',
        ],
    ),
    ['stride1Valid', [2, 6, 5, 3], [3, 3, 3, 2], 1, 'valid'],
  ];
  const out: Record<string, { differing: number; values: number; dispatches: [number, number] }> =
    {};
  for (const [name, xShape, wShape, stride, pad] of layers) {
    const x = tf.randomUniform(xShape, -1, 1, 'float32', 7);
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      wShape as [number, number, number, number],
      stride,
      1,
      pad,
    );
    const cut = async () => {
      const { run, free } = scratch('webgpu', tf.backend());
      const before = dispatched();
      const p = patches(run, x, info, 'webgpu');
      const values = (await tf.backend().read(p.dataId)) as Float32Array;
      const dispatches = dispatched() - before;
      free();
      return { values, dispatches };
    };
    const one = await cut();
    tf.unregisterKernel(IM2COL, 'webgpu');
    const sliced = await cut();
    tf.registerKernel(shader);
    out[name] = {
      ...differingBits([one.values], [sliced.values]),
      dispatches: [one.dispatches, sliced.dispatches],
    };
    x.dispose();
  }
  return out;
}

/** Compute dispatches since the page loaded. */
let dispatches = 0;
const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
GPUComputePassEncoder.prototype.dispatchWorkgroups = function (
  this: GPUComputePassEncoder,
  ...args: Parameters<GPUComputePassEncoder['dispatchWorkgroups']>
) {
  dispatches++;
  return dispatch.apply(this, args);
};
const dispatched = () => dispatches;

/** Each gradient a GAN step takes (value first), as arrays, from `which` of the twin networks. */
async function ganGradients(backend: string, which: 'stock' | 'lazy', want: Want) {
  await tf.setBackend(backend);
  const twins = twinNetworks(11);
  const [g, d] = twins[which];
  const out = gradients(g, d, twins.z, twins.real, want);
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose([...out, twins.z, twins.real]);
  [...twins.stock, ...twins.lazy].forEach((m) => m.dispose());
  return data;
}

/**
 * For all variables, D's and G's: the largest relative error of the lazy
 * layers' gradients on WebGPU (with the app's kernels for software
 * adapters) against tfjs's layers on WebGPU and on cpu.
 */
async function compareLazyLayers() {
  await tf.setBackend('webgpu');
  useRegisterBlockMatMul('webgpu');
  if (!useIm2colConvolutions('webgpu') || !useGatherConvInputGradient('webgpu'))
    throw new Error('the WebGPU backend lacks a kernel');
  const result: Record<string, { gpu: number[]; cpu: number[] }> = {};
  for (const want of ['all', 'D', 'G'] as const) {
    const lazy = await ganGradients('webgpu', 'lazy', want);
    const stock = await ganGradients('webgpu', 'stock', want);
    const cpu = await ganGradients('cpu', 'stock', want);
    result[want] = {
      gpu: lazy.map((a, i) => relative(a, stock[i]!)),
      cpu: lazy.map((a, i) => relative(a, cpu[i]!)),
    };
  }
  return result;
}

/**
 * Weights and moments after `steps` Adam steps on a fixed quadratic, on
 * `backend`; the last step's kernels go to `kernels` when given.
 */
async function adamRun(
  backend: string,
  steps: number,
  kernels?: string[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  // One variable large enough to be shared out between threads (with a tail), one small.
  const sizes = [100_003, 7];
  const vars = sizes.map((n, i) => tf.variable(tf.randomNormal([n], 0, 1, 'float32', 3 + i)));
  const targets = sizes.map((n, i) => tf.randomNormal([n], 0, 1, 'float32', 9 + i));
  const opt = adam(0.01, 0.5);
  const step = () =>
    void opt.minimize(
      () => tf.addN(vars.map((v, j) => tf.sum(tf.square(tf.sub(v, targets[j]!))))) as tf.Scalar,
    );
  for (let i = 1; i < steps; i++) step();
  if (kernels) kernels.push(...(await tf.profile(step)).kernels.map((k) => k.name));
  else step();
  const slots = (await opt.getWeights()).map((w) => w.tensor);
  const out = await Promise.all([...vars, ...slots].map((t) => t.data() as Promise<Float32Array>));
  opt.dispose();
  tf.dispose([...vars, ...targets]);
  return out;
}

/** The app's Adam on WASM (threads sharing large variables) against tfjs's on cpu: bits that differ. */
async function compareWasmAdam(): Promise<{
  differing: number;
  values: number;
  adamSplits: number;
}> {
  await activateBackend(['wasm'], 'wasm', await probeCapabilities(), { wasmPrefix: '/tfjs-wasm/' });
  const before = wasmGemmInfo()?.adamSplits ?? 0;
  const wasm = await adamRun('wasm', 4);
  const adamSplits = (wasmGemmInfo()?.adamSplits ?? 0) - before;
  const cpu = await adamRun('cpu', 4);
  return { ...differingBits(wasm, cpu), adamSplits };
}

/** Bits that differ between two runs' arrays, and how many values there are. */
function differingBits(
  a: Float32Array[],
  b: Float32Array[],
): { differing: number; values: number } {
  let differing = 0;
  let values = 0;
  a.forEach((x, i) =>
    x.forEach((v, j) => {
      values++;
      if (!Object.is(v, b[i]![j])) differing++;
    }),
  );
  return { differing, values };
}

/**
 * The app's Adam on WebGPU against tfjs's own on the same adapter (bits that
 * differ) and on cpu (largest relative error), and the kernels one step ran.
 */
async function compareWebGpuAdam(): Promise<{
  differing: number;
  values: number;
  cpuError: number;
  kernels: { shipped: string[]; fused: string[] };
}> {
  await tf.setBackend('webgpu');
  if (tf.getKernel(FUSED_ADAM, 'webgpu')) tf.unregisterKernel(FUSED_ADAM, 'webgpu');
  const kernels = { shipped: [] as string[], fused: [] as string[] };
  const shipped = await adamRun('webgpu', 4, kernels.shipped);
  if (!useWebGpuAdam('webgpu')) throw new Error('the WebGPU backend is missing');
  const fused = await adamRun('webgpu', 4, kernels.fused);
  const cpu = await adamRun('cpu', 4);
  const cpuError = Math.max(...fused.map((a, i) => relative(a, cpu[i]!)));
  return { ...differingBits(fused, shipped), cpuError, kernels };
}

/**
 * A GAN step's gradients compiled ahead on a twin (compileInParallel), then
 * run for real on other networks of the same shapes: what the compile pass
 * dispatched and compiled, what the real run compiled after it, and how far
 * the real run's gradients are from tfjs's layers on cpu.
 */
async function compileAhead() {
  await tf.setBackend('webgpu');
  useRegisterBlockMatMul('webgpu');
  if (!useIm2colConvolutions('webgpu') || !useGatherConvInputGradient('webgpu'))
    throw new Error('the WebGPU backend lacks a kernel');
  const before = new Set(compiledPrograms());
  const d0 = dispatched();
  const twin = twinNetworks(21);
  const compiled = await compileInParallel(() => {
    gradients(...twin.lazy, twin.z, twin.real, 'all');
  });
  tf.dispose([twin.z, twin.real]);
  [...twin.stock, ...twin.lazy].forEach((m) => m.dispose());
  const ahead = compiledPrograms().filter((k) => !before.has(k));
  const compileDispatches = dispatched() - d0;
  const known = new Set(compiledPrograms());
  const gpu = await ganGradients('webgpu', 'lazy', 'all');
  const newInRun = compiledPrograms().filter((k) => !known.has(k));
  const cpu = await ganGradients('cpu', 'stock', 'all');
  return {
    compiled,
    ahead: ahead.length,
    compileDispatches,
    newInRun,
    error: Math.max(...gpu.map((a, i) => relative(a, cpu[i]!))),
  };
}

/**
 * A toy GAN job's warm-up with compiling ahead on (as on a hardware
 * adapter): what it compiled and dispatched, what its first step compiled
 * after, and how many bytes of G's weights after one step differ from a job
 * that never warmed up.
 */
async function ganJobWarmUp() {
  await tf.setBackend('webgpu');
  useRegisterBlockMatMul('webgpu');
  const config = { ...presetFor('toy'), metricsEvery: 0 };
  const oneStep = async (warm: boolean) => {
    const job = new GanJob(config, null);
    const before = new Set(compiledPrograms());
    const d0 = dispatched();
    if (warm) await job.warmUp();
    const ahead = compiledPrograms().filter((k) => !before.has(k)).length;
    const warmDispatches = dispatched() - d0;
    const known = new Set(compiledPrograms());
    job.trainStep();
    await job.flush();
    const newInStep = compiledPrograms().filter((k) => !known.has(k));
    const weights = new Uint8Array((await job.generatorFiles()).weights);
    job.dispose();
    return { ahead, warmDispatches, newInStep, weights };
  };
  setCompileAheadPays(true);
  try {
    const warm = await oneStep(true);
    const cold = await oneStep(false);
    const differing = warm.weights.filter((b, i) => b !== cold.weights[i]).length;
    return { ...warm, weights: warm.weights.length, differing };
  } finally {
    setCompileAheadPays(false);
  }
}

/**
 * A batch norm with the ReLU after it, in training, through the app's
 * kernels on WebGPU against the same on cpu (largest relative error of the
 * output, dx, dgamma, dbeta and the moving statistics), per input shape,
 * with each channel's sums added in order (lanes 1, as on a software
 * adapter) and split over a GPU's workgroup (HARDWARE_LANES; the last
 * shape gives each lane several rows); and the dispatches of one pass with
 * the kernels and with tfjs's ops.
 */
async function compareBatchNorm() {
  useBatchNorm('cpu');
  const pass = async (backend: string, lazy: boolean, shape: number[]) => {
    await tf.setBackend(backend);
    const m = model(lazy, true, shape);
    const d0 = dispatched();
    const out = trainingPass(m, shape);
    const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    const dispatches = dispatched() - d0;
    tf.dispose(out);
    m.dispose();
    return { data, dispatches };
  };
  const shapes = [...SHAPES.map(([, shape]) => shape), [40, 7, 7, 6]];
  const errors: Record<number, number[][]> = {};
  for (const lanes of [1, HARDWARE_LANES]) {
    await tf.setBackend('webgpu');
    if (!useWebGpuBatchNorm('webgpu', lanes)) throw new Error('the WebGPU backend is missing');
    errors[lanes] = [];
    for (const shape of shapes) {
      const gpu = await pass('webgpu', true, shape);
      const cpu = await pass('cpu', true, shape);
      errors[lanes]!.push(gpu.data.map((a, i) => relative(a, cpu.data[i]!)));
    }
  }
  const [, shape] = SHAPES[0]!;
  const kernels = (await pass('webgpu', true, shape)).dispatches;
  const ops = (await pass('webgpu', false, shape)).dispatches;
  return { errors, lanes: HARDWARE_LANES, dispatches: { kernels, ops } };
}

const api = {
  compareBatchNorm,
  compileAhead,
  ganJobWarmUp,
  compare,
  compareWasm,
  compareWasmAdam,
  compareWebGpuAdam,
  compiledPrograms,
  denseGradientError,
  compareConvs,
  comparePatches,
  compareLazyLayers,
};
export type Harness = typeof api;
(globalThis as unknown as { harness: Harness }).harness = api;
