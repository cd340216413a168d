/**
 * Matrix products for WebGPU on a software adapter (SwiftShader, lavapipe):
 * the browser's GPU emulated on the CPU. tfjs's tiled kernels stage tiles
 * in workgroup memory between barriers, which a GPU does for free and a CPU
 * emulating one does not. On SwiftShader they reach 0.4 to 0.7 GFLOP/s on
 * the article GAN's products, which are 90% of its step there. Here each
 * invocation keeps an 8×8 block of the product in registers and reads its
 * operands straight from storage, with no workgroup memory and no barriers:
 * 2.8 to 3.5 GFLOP/s on the same products. Each output is the same fma
 * chain over k, in the same order, as tfjs's kernel.
 *
 * Only for software adapters: on a real GPU tfjs's tiled kernel is the
 * right one, and nothing here was measured on one.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { shippedBehind, wrapKernel } from '../kernel-swap';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu';

/** Rows and columns of the product one invocation computes. */
const BLOCK = 8;
/** Invocations per workgroup along columns and rows. */
const GROUP: [number, number, number] = [8, 8, 1];

/** tfjs-backend-webgpu's own formulas (unary_op_util), so fused results match it. */
const ACTIVATIONS: Record<Activation, string> = {
  linear: 'return a;',
  relu: 'return select(a, 0.0, a < 0.0);',
  relu6: 'return clamp(a, 0.0, 6.0);',
  elu: 'if (a >= 0.0) { return a; } return (exp(a) - 1.0);',
  sigmoid: 'return 1.0 / (1.0 + exp(-1.0 * a));',
  leakyrelu: 'if (a < 0.0) { return uniforms.alpha * a; } return a;',
};

function isActivation(a: unknown): a is Activation {
  return typeof a === 'string' && a in ACTIVATIONS;
}

/** The product of [batch, M, K] by [batch, K, N] (either operand transposed), plus bias and activation. */
export class RegisterBlockMatMulProgram implements WebGPUProgram {
  readonly variableNames: string[] = ['A', 'B'];
  uniforms = 'dimAOuter : i32, dimBOuter : i32, dimInner : i32, batchA : i32, batchB : i32,';
  readonly workgroupSize = GROUP;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(
    outputShape: [number, number, number],
    private readonly transposeA: boolean,
    private readonly transposeB: boolean,
    private readonly hasBias: boolean,
    private readonly activation: Activation | null,
  ) {
    this.outputShape = outputShape;
    const [batch, m, n] = outputShape;
    this.dispatch = [Math.ceil(n / (BLOCK * GROUP[0])), Math.ceil(m / (BLOCK * GROUP[1])), batch];
    if (hasBias) this.variableNames.push('bias');
    if (activation === 'leakyrelu') this.uniforms += ' alpha : f32,';
    this.shaderKey = `registerBlockMatMul_${transposeA}_${transposeB}_${hasBias}_${activation}`;
  }

  getUserCode(): string {
    const r = Array.from({ length: BLOCK }, (_, i) => i);
    // Offsets of the block's rows of A and columns of B at k = 0; rows and
    // columns past the edge read the last one (in bounds) and are not written.
    const aStart = this.transposeA ? 'aRow' : 'aRow * uniforms.dimInner';
    const bStart = this.transposeB ? 'bCol * uniforms.dimInner' : 'bCol';
    const aStepK = this.transposeA ? 'uniforms.dimAOuter' : '1';
    const bStepK = this.transposeB ? '1' : 'uniforms.dimBOuter';
    const lines = (f: (i: number) => string) => r.map(f).join('\n');
    const grid = (f: (i: number, j: number) => string) =>
      r.flatMap((i) => r.map((j) => f(i, j))).join('\n');
    const activation = this.activation
      ? `fn activation(a : f32) -> f32 { ${ACTIVATIONS[this.activation]} }`
      : '';
    const finish = [
      this.hasBias ? 'v = v + bias[col];' : '',
      this.activation ? 'v = activation(v);' : '',
    ].join(' ');
    return `
    ${activation}
    fn store(batch : i32, row : i32, col : i32, value : f32) {
      if (row < uniforms.dimAOuter && col < uniforms.dimBOuter) {
        var v = value;
        ${finish}
        result[(batch * uniforms.dimAOuter + row) * uniforms.dimBOuter + col] = v;
      }
    }
    fn main() {
      let batch = i32(globalId.z);
      let row = i32(globalId.y) * ${BLOCK};
      let col = i32(globalId.x) * ${BLOCK};
      let aBase = (batch % uniforms.batchA) * uniforms.dimAOuter * uniforms.dimInner;
      let bBase = (batch % uniforms.batchB) * uniforms.dimBOuter * uniforms.dimInner;
      let lastRow = uniforms.dimAOuter - 1;
      let lastCol = uniforms.dimBOuter - 1;
      ${lines((i) => `let aRow${i} = min(row + ${i}, lastRow);`)}
      ${lines((j) => `let bCol${j} = min(col + ${j}, lastCol);`)}
      ${lines((i) => `let a${i}Start = aBase + ${aStart.replace('aRow', `aRow${i}`)};`)}
      ${lines((j) => `let b${j}Start = bBase + ${bStart.replace('bCol', `bCol${j}`)};`)}
      ${grid((i, j) => `var acc${i}_${j} = 0.0;`)}
      for (var k = 0; k < uniforms.dimInner; k++) {
        let ka = k * ${aStepK};
        let kb = k * ${bStepK};
        ${lines((i) => `let a${i} = A[a${i}Start + ka];`)}
        ${lines((j) => `let b${j} = B[b${j}Start + kb];`)}
        ${grid((i, j) => `acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`)}
      }
      ${grid((i, j) => `store(batch, row + ${i}, col + ${j}, acc${i}_${j});`)}
    }`;
  }
}

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: unknown;
  leakyreluAlpha?: number;
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * The product through RegisterBlockMatMulProgram, or null where it does not
 * apply (other dtypes, PReLU, a bias that is not one value per column,
 * batches that do not broadcast), which the shipped kernel then handles.
 */
function registerBlockMatMul(
  inputs: MatMulInputs,
  attrs: MatMulAttrs,
  backend: WebGPUBackend,
  { reshape, fill }: { reshape: KernelFunc; fill: KernelFunc },
): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  const activation = attrs.activation ?? null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights) return null;
  if (activation !== null && !isActivation(activation)) return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const kA = attrs.transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kB = attrs.transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  // The shipped kernel gives the error message for mismatched operands.
  if (kA !== kB) return null;
  if (
    bias != null &&
    (bias.dtype !== 'float32' || size(bias.shape) !== n || bias.shape.at(-1) !== n)
  ) {
    return null;
  }
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outShape = [
    ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
    m,
    n,
  ];
  if (kA === 0) {
    // WebGPU cannot bind an empty operand. With nothing to sum, the plain product is zeros.
    if (bias != null || activation !== null) return null;
    return fill({
      inputs: {},
      backend,
      attrs: { shape: outShape, value: 0, dtype: 'float32' },
    }) as tf.TensorInfo;
  }
  const batch = Math.max(batchA, batchB);
  const program = new RegisterBlockMatMulProgram(
    [batch, m, n],
    attrs.transposeA,
    attrs.transposeB,
    bias != null,
    activation,
  );
  const uniforms = [
    { type: 'int32', data: [m] },
    { type: 'int32', data: [n] },
    { type: 'int32', data: [kA] },
    { type: 'int32', data: [batchA] },
    { type: 'int32', data: [batchB] },
  ];
  if (activation === 'leakyrelu')
    uniforms.push({ type: 'float32', data: [attrs.leakyreluAlpha ?? 0.2] });
  const out = backend.runWebGPUProgram(
    program,
    bias != null ? [a, b, bias] : [a, b],
    'float32',
    uniforms,
  );
  try {
    return reshape({ inputs: { x: out }, backend, attrs: { shape: outShape } }) as tf.TensorInfo;
  } finally {
    backend.disposeData(out.dataId);
  }
}

/**
 * Installs the register-block product for a WebGPU backend's BatchMatMul and
 * _FusedMatMul (once); false when the backend lacks those kernels.
 */
export function useRegisterBlockMatMul(backendName = 'webgpu'): boolean {
  const reshape = tf.getKernel('Reshape', backendName)?.kernelFunc;
  const fill = tf.getKernel('Fill', backendName)?.kernelFunc;
  if (!reshape || !fill) return false;
  let installed = false;
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    if (shippedBehind(kernelName, backendName)) {
      installed = true;
      continue;
    }
    const original = tf.getKernel(kernelName, backendName);
    if (!original) continue;
    const shipped = original.kernelFunc;
    const kernelFunc: KernelFunc = (args) =>
      registerBlockMatMul(
        args.inputs as unknown as MatMulInputs,
        args.attrs as unknown as MatMulAttrs,
        args.backend as WebGPUBackend,
        { reshape, fill },
      ) ?? shipped(args);
    wrapKernel(original, kernelFunc);
    installed = true;
  }
  return installed;
}
