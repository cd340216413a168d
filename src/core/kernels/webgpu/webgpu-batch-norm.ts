/**
 * Batch norm's three kernels (kernels/batch-norm.ts) on WebGPU: seven
 * shaders, where tfjs's ops dispatch about 75 for a batch norm in training
 * and its gradient (moments, normalisation, ReLU, broadcasts, tiles, sums).
 * Forward: the mean and the variance per channel, then the normalised,
 * rectified output per element. Backward: dbeta and dgamma per channel,
 * dx's coefficients per channel, then dx per element. The per-channel shaders add rows in order, as the cpu
 * and WASM kernels do; one invocation per channel is a short serial loop
 * (a DCGAN layer's 3,136-12,544 rows) and a fraction of the dispatches.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  attrsOf,
  BATCH_NORM,
  BATCH_NORM_INPUT_GRAD,
  BATCH_NORM_SUMS,
  useBatchNormGradient,
} from '../batch-norm';
import { ElementwiseProgram, elementwiseMain, isWebGpu } from './webgpu-backend';

/** g for row r's element `at`: dy, or dy where y > 0 after a fused ReLU. */
const GRADIENT = `fn gradientAt(at : i32) -> f32 {
      if (uniforms.relu == 1 && !(Y[at] > 0.0)) { return 0.0; }
      return Dy[at];
    }`;

/** Per channel (one invocation each, the loop over rows), or per element. */
const PARTS = {
  mean: {
    inputs: ['X'],
    perChannel: true,
    code: `var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) { s = s + X[r * uniforms.channels + index]; }
      value = s / f32(uniforms.rows);`,
  },
  variance: {
    inputs: ['X', 'Mean'],
    perChannel: true,
    code: `let m = Mean[index];
      var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) {
        let d = X[r * uniforms.channels + index] - m;
        s = s + d * d;
      }
      value = s / f32(uniforms.rows);`,
  },
  normalize: {
    inputs: ['X', 'Mean', 'Variance', 'Gamma', 'Beta'],
    perChannel: false,
    code: `let c = index % uniforms.channels;
      let sd = sqrt(Variance[c] + uniforms.epsilon);
      value = ((X[index] - Mean[c]) * Gamma[c]) / sd + Beta[c];
      if (uniforms.relu == 1) { value = max(value, 0.0); }`,
  },
  dbeta: {
    inputs: ['Dy', 'Y'],
    perChannel: true,
    code: `var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) { s = s + gradientAt(r * uniforms.channels + index); }
      value = s;`,
  },
  dgamma: {
    inputs: ['Dy', 'Y', 'X', 'Mean', 'Variance'],
    perChannel: true,
    code: `let m = Mean[index];
      var s = 0.0;
      for (var r = 0; r < uniforms.rows; r++) {
        let at = r * uniforms.channels + index;
        s = s + gradientAt(at) * (X[at] - m);
      }
      value = s / sqrt(Variance[index] + uniforms.epsilon);`,
  },
  // a, b and c of dx = a · g + b · (x − mean) + c, per channel: [a…, b…, c…]. Apart from dx,
  // whose inputs would otherwise pass WebGPU's 8 storage buffers a shader may bind.
  coefficients: {
    inputs: ['Variance', 'Gamma', 'DGamma', 'DBeta', 'DMean', 'DVariance'],
    perChannel: true,
    code: `let c = index % uniforms.channels;
      let n = f32(uniforms.rows);
      let sd = sqrt(Variance[c] + uniforms.epsilon);
      let gamma = Gamma[c];
      let which = index / uniforms.channels;
      if (which == 0) {
        value = gamma / sd;
      } else if (which == 1) {
        value = (-gamma * DGamma[c]) / (sd * sd * n) + (2.0 * DVariance[c]) / n;
      } else {
        value = (-gamma * DBeta[c]) / (sd * n) + DMean[c] / n;
      }`,
  },
  dx: {
    inputs: ['Dy', 'Y', 'X', 'Mean', 'Coefficients'],
    perChannel: false,
    code: `let c = index % uniforms.channels;
      let a = Coefficients[c];
      let b = Coefficients[uniforms.channels + c];
      let k = Coefficients[2 * uniforms.channels + c];
      value = a * gradientAt(index) + b * (X[index] - Mean[c]) + k;`,
  },
} as const;

type Part = keyof typeof PARTS;

class BatchNormProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly uniforms = 'rows : i32, channels : i32, epsilon : f32, relu : i32,';
  readonly shaderKey: string;

  constructor(
    private readonly part: Part,
    shape: number[],
  ) {
    super(shape);
    this.variableNames = [...PARTS[part].inputs];
    this.shaderKey = `demandlabBatchNorm_${part}`;
  }

  getUserCode(): string {
    const usesGradient = (PARTS[this.part].inputs as readonly string[]).includes('Dy');
    return (usesGradient ? GRADIENT : '') + elementwiseMain(PARTS[this.part].code);
  }
}

/** Registers the three kernels for a WebGPU backend (once); false unless it is a started one. */
export function useWebGpuBatchNorm(backendName = 'webgpu'): boolean {
  useBatchNormGradient();
  if (tf.getKernel(BATCH_NORM, backendName)) return true;
  if (!isWebGpu(backendName)) return false;
  /** Runs `part` over `inputs` (in its order) for x's geometry. */
  const runner = (args: { backend: unknown; attrs?: tf.NamedAttrMap }, x: tf.TensorInfo) => {
    const backend = args.backend as unknown as WebGPUBackend;
    const { epsilon, relu } = attrsOf(args.attrs);
    const channels = x.shape[x.shape.length - 1]!;
    const uniforms = [
      { type: 'int32', data: [tf.util.sizeFromShape(x.shape) / channels] },
      { type: 'int32', data: [channels] },
      { type: 'float32', data: [epsilon] },
      { type: 'int32', data: [relu ? 1 : 0] },
    ];
    const shapeOf = (part: Part) =>
      part === 'coefficients' ? [3 * channels] : PARTS[part].perChannel ? [channels] : x.shape;
    return (part: Part, inputs: tf.TensorInfo[]) =>
      backend.runWebGPUProgram(
        new BatchNormProgram(part, shapeOf(part)),
        inputs,
        'float32',
        uniforms,
      );
  };
  tf.registerKernel({
    kernelName: BATCH_NORM,
    backendName,
    kernelFunc: (args) => {
      const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
      const run = runner(args, x!);
      const mean = run('mean', [x!]);
      const variance = run('variance', [x!, mean]);
      return [run('normalize', [x!, mean, variance, gamma!, beta!]), mean, variance];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_SUMS,
    backendName,
    kernelFunc: (args) => {
      const { dy, y, x, mean, variance } = args.inputs as Record<string, tf.TensorInfo>;
      const run = runner(args, x!);
      return [run('dgamma', [dy!, y!, x!, mean!, variance!]), run('dbeta', [dy!, y!])];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_INPUT_GRAD,
    backendName,
    kernelFunc: (args) => {
      const t = args.inputs as Record<string, tf.TensorInfo>;
      const run = runner(args, t['x']!);
      const channel = ['variance', 'gamma', 'dgamma', 'dbeta', 'dmean', 'dvariance'];
      const coefficients = run(
        'coefficients',
        channel.map((n) => t[n]!),
      );
      const dx = run('dx', [t['dy']!, t['y']!, t['x']!, t['mean']!, coefficients]);
      (args.backend as unknown as WebGPUBackend).disposeData(coefficients.dataId);
      return dx;
    },
  });
  return true;
}
