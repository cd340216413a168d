/**
 * Every kernel of the app's own that the WASM backend trains with, installed
 * in the order they build on each other. The worker's backend activation
 * and the bench install them through here, so both train the same way.
 */
import { useExplicitTranspose } from './wasm-matmul';
import { useWasmGemm } from './wasm-gemm';
import { useWasmAdam } from './wasm-adam';
import { useWasmCopies } from './wasm-copies';
import { useWasmColumnSum } from './wasm-column-sum';
import { useWasmTanh } from './wasm-tanh';
import { useConvFilterGradient, useConvInputGradient } from './wasm-conv';
import { useConvGemm } from './wasm-conv-gemm';
import { useFusedActivationGrad } from './wasm-activation-grad';
import { useLogitLoss } from '../logit-loss';
import { useSegmentSum } from '../segment-sum';
import { useWasmBatchNorm } from './wasm-batch-norm';

/** Installs the app's WASM kernels on `backend`; `threads` caps the GEMM's helper threads. */
export async function useAllWasmKernels(backend: string, threads?: number): Promise<void> {
  // Backprop's transposed products are several times slower than plain ones on WASM,
  // it lacks the convolution weight gradient the DCGANs need, and its input gradient is slow.
  useExplicitTranspose(backend);
  // The app's own product kernel, in front of the explicit transposes where it applies,
  // and Adam in one pass per variable (wasm-adam.ts's optimizer uses it where registered).
  await useWasmGemm(backend, threads);
  await useWasmAdam(backend);
  // Identity shares data instead of copying it; a batch gather copies whole rows; bias
  // gradients and batch norm's means sum columns in place of a transpose and a sum; tanh
  // takes four lanes; Tile copies blocks.
  await useWasmCopies(backend);
  await useWasmColumnSum(backend);
  await useWasmTanh(backend);
  // ReLU's and leaky ReLU's gradients in one pass each instead of three kernels.
  await useFusedActivationGrad(backend);
  // A GAN's cross-entropy and its gradient in two kernels instead of about 18.
  if (backend === 'wasm') useLogitLoss(backend);
  // The gradient of a gather, which embedding tables learn through: tfjs's WASM has none.
  if (backend === 'wasm') useSegmentSum(backend);
  // Batch norm in training (and a ReLU after it) in one kernel forward and two backward.
  await useWasmBatchNorm(backend);
  useConvFilterGradient(backend);
  useConvInputGradient(backend);
  // Convolutions and their gradients through the GEMM, with the XNNPACK forms behind for
  // what it does not cover.
  await useConvGemm(backend);
}
