/**
 * Batch norm's three kernels (kernels/batch-norm.ts) on WASM: the passes
 * over the activations in gemm/batch-norm-module.ts, four channels at a
 * time, and the per-channel coefficients between them in JavaScript, with
 * batch-norm.ts's own functions, so WASM and cpu give the same bits.
 */
import * as tf from '@tensorflow/tfjs';
import {
  attrsOf,
  BATCH_NORM,
  BATCH_NORM_INPUT_GRAD,
  BATCH_NORM_SUMS,
  deviationsOf,
  floorOf,
  gammaGradientOf,
  inputGradientCoefficients,
  useBatchNormGradient,
} from '../batch-norm';
import { batchNormModuleBytes, type BatchNormExports } from './gemm/batch-norm-module';
import { addressOf, HeapArea, instantiateOver, wasmHeap, type WasmBackend } from './wasm-heap';

/** Registers the three kernels on a WASM backend (once); false where the module cannot run. */
export async function useWasmBatchNorm(backendName = 'wasm'): Promise<boolean> {
  useBatchNormGradient();
  if (tf.getKernel(BATCH_NORM, backendName)) return true;
  const heap = wasmHeap(backendName);
  if (!heap) return false;
  const module = await instantiateOver<BatchNormExports>(heap.memory, batchNormModuleBytes);
  if (!module) return false;
  const scratch = new HeapArea(heap.backend);
  /** A float32 view of `count` floats at `at`, made after any allocation that may grow the heap. */
  const view = (at: number, count: number) => new Float32Array(heap.memory.buffer, at, count);
  const shapeOf = (x: tf.TensorInfo) => {
    const channels = x.shape[x.shape.length - 1]!;
    return { channels, rows: tf.util.sizeFromShape(x.shape) / channels };
  };

  tf.registerKernel({
    kernelName: BATCH_NORM,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const backend = b as unknown as WasmBackend;
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const { epsilon, relu } = attrsOf(attrs);
      const { channels, rows } = shapeOf(x!);
      const y = backend.makeOutput(x!.shape, 'float32');
      const mean = backend.makeOutput([channels], 'float32');
      const variance = backend.makeOutput([channels], 'float32');
      const sd = scratch.reserve(channels * 4);
      const at = (t: tf.TensorInfo) => addressOf(backend, t);
      module.moments(at(x!), rows, channels, at(mean), at(variance), rows);
      deviationsOf(view(at(variance), channels), epsilon, view(sd, channels));
      module.normalize(
        at(x!),
        rows,
        channels,
        at(mean),
        at(gamma!),
        sd,
        at(beta!),
        floorOf(relu),
        at(y),
      );
      return [y, mean, variance];
    },
  });

  tf.registerKernel({
    kernelName: BATCH_NORM_SUMS,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const backend = b as unknown as WasmBackend;
      const { dy, y, x, mean, variance } = inputs as Record<string, tf.TensorInfo>;
      const { epsilon, relu } = attrsOf(attrs);
      const { channels, rows } = shapeOf(x!);
      const dgamma = backend.makeOutput([channels], 'float32');
      const dbeta = backend.makeOutput([channels], 'float32');
      const sumGX = scratch.reserve(channels * 4);
      const at = (t: tf.TensorInfo) => addressOf(backend, t);
      module.gradientSums(
        at(dy!),
        at(y!),
        at(x!),
        rows,
        channels,
        at(mean!),
        relu ? 1 : 0,
        at(dbeta),
        sumGX,
      );
      gammaGradientOf(
        view(sumGX, channels),
        view(at(variance!), channels),
        epsilon,
        view(at(dgamma), channels),
      );
      return [dgamma, dbeta];
    },
  });

  tf.registerKernel({
    kernelName: BATCH_NORM_INPUT_GRAD,
    backendName,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const backend = b as unknown as WasmBackend;
      const t = inputs as Record<string, tf.TensorInfo>;
      const { epsilon, relu } = attrsOf(attrs);
      const { channels, rows } = shapeOf(t['x']!);
      const dx = backend.makeOutput(t['x']!.shape, 'float32');
      const at = (name: string) => addressOf(backend, t[name]!);
      const channel = (name: string) => view(at(name), channels);
      const coefficients = inputGradientCoefficients({
        gamma: channel('gamma'),
        variance: channel('variance'),
        epsilon,
        dgamma: channel('dgamma'),
        dbeta: channel('dbeta'),
        dmean: channel('dmean'),
        dvariance: channel('dvariance'),
        count: rows,
      });
      const abc = scratch.reserve(channels * 12);
      view(abc, channels * 3).set([...coefficients.a, ...coefficients.b, ...coefficients.c]);
      module.inputGradient(
        at('dy'),
        at('y'),
        at('x'),
        rows,
        channels,
        at('mean'),
        relu ? 1 : 0,
        abc,
        abc + channels * 4,
        abc + channels * 8,
        addressOf(backend, dx),
      );
      return dx;
    },
  });
  return true;
}
