/**
 * The patch matrix of a convolution in one WebGPU dispatch. Cut with slices
 * (conv/im2col.ts), a 4×4 filter's patches took about 30 dispatches: a pad,
 * the stride phases, a slice per tap and a concat. Here each element of the
 * [batch, outH, outW, kh·kw·inC] matrix reads its input value, or 0 in the
 * padding: the same matrix, copied, not computed. For software adapters,
 * with the im2col convolutions it serves (webgpu-conv.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { IM2COL, type Im2colAttrs } from '../conv/im2col';
import { ElementwiseProgram, isWebGpu } from './webgpu-backend';

class Im2colProgram extends ElementwiseProgram {
  readonly variableNames = ['X'];
  readonly uniforms =
    'inHeight : i32, inWidth : i32, inChannels : i32, outHeight : i32, outWidth : i32, filterWidth : i32, strideHeight : i32, strideWidth : i32, padTop : i32, padLeft : i32,';
  readonly shaderKey = 'demandlabIm2col';

  getUserCode(): string {
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let cols = uniforms.outShape[3];
        let col = index % cols;
        let pixel = index / cols;
        let ox = pixel % uniforms.outWidth;
        let oy = (pixel / uniforms.outWidth) % uniforms.outHeight;
        let b = pixel / (uniforms.outWidth * uniforms.outHeight);
        let c = col % uniforms.inChannels;
        let tap = col / uniforms.inChannels;
        let iy = oy * uniforms.strideHeight + tap / uniforms.filterWidth - uniforms.padTop;
        let ix = ox * uniforms.strideWidth + tap % uniforms.filterWidth - uniforms.padLeft;
        var value = 0.0;
        if (iy >= 0 && iy < uniforms.inHeight && ix >= 0 && ix < uniforms.inWidth) {
          value = X[((b * uniforms.inHeight + iy) * uniforms.inWidth + ix) * uniforms.inChannels + c];
        }
        result[index] = value;
      }
    }`;
  }
}

/** Registers the patch kernel for a WebGPU backend (once); false unless it is a started WebGPU backend. */
export function useWebGpuIm2col(backendName = 'webgpu'): boolean {
  if (tf.getKernel(IM2COL, backendName)) return true;
  if (!isWebGpu(backendName)) return false;
  tf.registerKernel({
    kernelName: IM2COL,
    backendName,
    kernelFunc: (args) => {
      const backend = args.backend as unknown as WebGPUBackend;
      const { x } = args.inputs as { x: tf.TensorInfo };
      const a = args.attrs as unknown as Im2colAttrs;
      const [batch, inHeight, inWidth, inChannels] = x.shape as [number, number, number, number];
      const shape = [batch, a.outHeight, a.outWidth, a.filterHeight * a.filterWidth * inChannels];
      const ints = [
        inHeight,
        inWidth,
        inChannels,
        a.outHeight,
        a.outWidth,
        a.filterWidth,
        a.strideHeight,
        a.strideWidth,
        a.padTop,
        a.padLeft,
      ];
      return backend.runWebGPUProgram(
        new Im2colProgram(shape),
        [x],
        'float32',
        ints.map((v) => ({ type: 'int32', data: [v] })),
      );
    },
  });
  return true;
}
