/**
 * Convolutional training on the WASM backend. tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter, the weight gradient of every 2D convolution (and of
 * every transposed one), so the DCGAN and the conditional GAN could not train
 * there. (Its Conv3DBackpropFilterV2 looks like a way in, with depth 1, but it
 * gives wrong sums for strides above 1: a hand-computed 2×2 case tells.) Its
 * Conv2DBackpropInput is a plain C loop. Both run through WASM's XNNPACK
 * Conv2D here (kernels/conv/): the weight gradient as a convolution dilated
 * by the stride, the input gradient by stride phase. Unit tests compare the
 * results with tfjs's cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FILTER_GRADIENT_BY_CONV_KERNELS,
  filterGradientByConvKernel,
} from '../conv/filter-gradient';
import { hasKernels } from '../conv/im2col';
import { INPUT_GRADIENT_KERNELS, inputGradientKernel } from '../conv/input-gradient';
import { shippedBehind, wrapKernel } from '../kernel-swap';

/**
 * Registers Conv2DBackpropFilter for `backendName` (once) when it lacks one
 * and has the kernels it is built from. Returns whether the backend has the
 * kernel afterwards.
 */
export function useConvFilterGradient(backendName: string): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) return true;
  if (!hasKernels(backendName, FILTER_GRADIENT_BY_CONV_KERNELS)) return false;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: filterGradientByConvKernel(backendName),
  });
  return true;
}

/**
 * Routes WASM's Conv2DBackpropInput (the input gradient of every convolution,
 * and the forward pass of every transposed one) through its XNNPACK Conv2D,
 * several times faster than the shipped kernel. Cases it does not cover
 * (channels first, a rounding mode) go to the shipped kernel.
 */
export function useConvInputGradient(backendName: string): boolean {
  if (shippedBehind('Conv2DBackpropInput', backendName)) return true;
  const original = tf.getKernel('Conv2DBackpropInput', backendName);
  if (!original || !hasKernels(backendName, INPUT_GRADIENT_KERNELS)) return false;
  wrapKernel(original, inputGradientKernel(backendName, original.kernelFunc));
  return true;
}
