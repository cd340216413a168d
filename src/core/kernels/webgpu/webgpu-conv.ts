/**
 * Convolutions for WebGPU on a software adapter. On SwiftShader tfjs's
 * convolution shaders ran the DCGAN's layers at 0.15 to 0.35 GFLOP/s (its
 * weight gradient took 1.3 s a call); as im2col products (kernels/conv/)
 * they run through the register-block matrix product of webgpu-matmul.ts.
 * The input gradient is webgpu-conv-input.ts's: as Conv2D by stride phase
 * it took twice as long as tfjs's shader there (cutting patches is slow on
 * a software GPU, and G's last layer has one output channel, a product one
 * column wide). Like that product, this is for software adapters only.
 */
import * as tf from '@tensorflow/tfjs';
import { FILTER_GRADIENT_KERNELS, filterGradientKernel } from '../conv/filter-gradient';
import { FORWARD_KERNELS, forwardKernel } from '../conv/forward';
import { hasKernels } from '../conv/im2col';
import { shippedBehind, wrapKernel } from '../kernel-swap';
import { useWebGpuIm2col } from './webgpu-im2col';

/**
 * Wraps `backendName`'s Conv2D, FusedConv2D and both convolution gradients
 * with their im2col forms (once). Returns whether all four are in place.
 */
export function useIm2colConvolutions(backendName: string): boolean {
  const forms: [
    string,
    readonly string[],
    (shipped: tf.KernelConfig['kernelFunc']) => tf.KernelConfig['kernelFunc'],
  ][] = [
    ['Conv2D', FORWARD_KERNELS, (shipped) => forwardKernel(backendName, shipped, false)],
    ['FusedConv2D', FORWARD_KERNELS, (shipped) => forwardKernel(backendName, shipped, true)],
    [
      'Conv2DBackpropFilter',
      FILTER_GRADIENT_KERNELS,
      (shipped) => filterGradientKernel(backendName, shipped),
    ],
  ];
  // The patches in one dispatch each, where the backend takes the app's shader.
  useWebGpuIm2col(backendName);
  let all = true;
  for (const [kernelName, needed, form] of forms) {
    if (shippedBehind(kernelName, backendName)) continue;
    const original = tf.getKernel(kernelName, backendName);
    if (!original || !hasKernels(backendName, needed)) {
      all = false;
      continue;
    }
    wrapKernel(original, form(original.kernelFunc));
  }
  return all;
}
