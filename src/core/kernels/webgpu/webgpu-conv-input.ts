/**
 * The convolution input gradient (also the forward pass of every transposed
 * convolution) for WebGPU on a software adapter. tfjs's shader took 130 to
 * 300 ms a call on the DCGAN's layers on SwiftShader, a third of its step;
 * its other form, tiled through workgroup memory, was slower still. Here
 * each invocation gathers one pixel of dx for a block of channels: only
 * the filter taps that reach that pixel (every s-th, from its stride
 * phase), with the sums kept in registers. No zeros are multiplied and
 * nothing is staged. For software adapters only, like webgpu-matmul.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { InputGradAttrs } from '../conv/im2col';
import { shippedBehind, wrapKernel } from '../kernel-swap';

/** Invocations per workgroup, one pixel each. */
const GROUP = 64;

/** dx = the input gradient of a convolution, NHWC, gathered per pixel and channel block. */
export class GatherConvInputGradientProgram implements WebGPUProgram {
  readonly variableNames = ['dy', 'W'];
  readonly uniforms =
    'xB : i32, xH : i32, xW : i32, xC : i32, yH : i32, yW : i32, yC : i32, ' +
    'fH : i32, fW : i32, sH : i32, sW : i32, pT : i32, pL : i32,';
  readonly workgroupSize: [number, number, number] = [GROUP, 1, 1];
  readonly outputShape: number[];
  // main() reads globalId itself; a y entry keeps tfjs from passing a flat index.
  readonly dispatchLayout = { x: [0, 1, 2], y: [3] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  /** `block`: channels of dx per invocation (1, 4 or 8). */
  constructor(
    inputShape: [number, number, number, number],
    private readonly block: number,
  ) {
    this.outputShape = inputShape;
    const [b, h, w, c] = inputShape;
    this.dispatch = [Math.ceil((b * h * w) / GROUP), Math.ceil(c / block), 1];
    this.shaderKey = `gatherConvInputGradient_${block}`;
  }

  getUserCode(): string {
    const ks = Array.from({ length: this.block }, (_, k) => k);
    const lines = (f: (k: number) => string) => ks.map(f).join('\n');
    return `
    fn main() {
      let pixel = i32(globalId.x);
      let cBase = i32(globalId.y) * ${this.block};
      if (pixel >= uniforms.xB * uniforms.xH * uniforms.xW) { return; }
      let plane = uniforms.xH * uniforms.xW;
      let b = pixel / plane;
      let y = (pixel % plane) / uniforms.xW;
      let x = pixel % uniforms.xW;
      // Position in the padded input, and the first tap that reaches it.
      let py = y + uniforms.pT;
      let px = x + uniforms.pL;
      ${lines((k) => `var acc${k} = 0.0;`)}
      ${lines((k) => `let c${k} = min(cBase + ${k}, uniforms.xC - 1);`)}
      for (var i = py % uniforms.sH; i < uniforms.fH; i += uniforms.sH) {
        let p = (py - i) / uniforms.sH;
        if (p < 0 || p >= uniforms.yH) { continue; }
        for (var j = px % uniforms.sW; j < uniforms.fW; j += uniforms.sW) {
          let q = (px - j) / uniforms.sW;
          if (q < 0 || q >= uniforms.yW) { continue; }
          let dyAt = ((b * uniforms.yH + p) * uniforms.yW + q) * uniforms.yC;
          let tap = (i * uniforms.fW + j) * uniforms.xC;
          ${lines((k) => `let w${k} = (tap + c${k}) * uniforms.yC;`)}
          for (var o = 0; o < uniforms.yC; o++) {
            let d = dy[dyAt + o];
            ${lines((k) => `acc${k} = fma(d, W[w${k} + o], acc${k});`)}
          }
        }
      }
      let at = pixel * uniforms.xC + cBase;
      ${lines((k) => `if (cBase + ${k} < uniforms.xC) { result[at + ${k}] = acc${k}; }`)}
    }`;
  }
}

/** Installs the gathering input gradient for a WebGPU backend (once); false when it lacks the kernel. */
export function useGatherConvInputGradient(backendName = 'webgpu'): boolean {
  if (shippedBehind('Conv2DBackpropInput', backendName)) return true;
  const original = tf.getKernel('Conv2DBackpropInput', backendName);
  if (!original) return false;
  const shipped = original.kernelFunc;
  wrapKernel(original, (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as InputGradAttrs;
    if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || dy.dtype !== 'float32') return shipped(args);
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filterShape,
      attrs.strides,
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode,
    );
    const [b, h, w, c] = attrs.inputShape;
    const [kh, kw, , outC] = filterShape;
    const block = c >= 8 ? 8 : c >= 4 ? 4 : 1;
    const program = new GatherConvInputGradientProgram([b, h, w, c], block);
    const int = (v: number) => ({ type: 'int32', data: [v] });
    return (args.backend as WebGPUBackend).runWebGPUProgram(program, [dy, filter], 'float32', [
      int(b),
      int(h),
      int(w),
      int(c),
      int(info.outHeight),
      int(info.outWidth),
      int(outC),
      int(kh),
      int(kw),
      int(info.strideHeight),
      int(info.strideWidth),
      int(info.padInfo.top),
      int(info.padInfo.left),
    ]);
  });
  return true;
}
