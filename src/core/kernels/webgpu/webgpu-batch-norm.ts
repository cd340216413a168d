/**
 * Batch norm's three kernels (kernels/batch-norm.ts) on WebGPU: seven
 * shaders, where tfjs's ops dispatch about 75 for a batch norm in training
 * and its gradient (moments, normalisation, ReLU, broadcasts, tiles, sums).
 * Forward: the mean and the variance per channel, then the normalised,
 * rectified output per element. Backward: dbeta and dgamma per channel,
 * dx's coefficients per channel, then dx per element.
 *
 * A per-channel sum runs in one workgroup per channel, its `lanes`
 * invocations each adding every lanes-th row, then adding their partial
 * sums in a tree. One invocation per channel looping over all rows (a
 * DCGAN layer's 3,136-12,544 rows at batch 64, 100,352 at 512) made the
 * DCGAN's step grow with the batch on an H200 (1,400 images/s whatever
 * the batch). A software adapter gets lanes = 1: the rows added in order,
 * as the cpu and WASM kernels do.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
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

/**
 * Per channel (`term` summed over the rows, `at` the row's element of channel
 * `c`, then `finish` of the sum `s`), or per element (`code`).
 */
const PARTS = {
  mean: {
    inputs: ['X'],
    perChannel: true,
    term: 'X[at]',
    finish: 's / f32(uniforms.rows)',
  },
  variance: {
    inputs: ['X', 'Mean'],
    perChannel: true,
    term: '(X[at] - Mean[c]) * (X[at] - Mean[c])',
    finish: 's / f32(uniforms.rows)',
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
    term: 'gradientAt(at)',
    finish: 's',
  },
  dgamma: {
    inputs: ['Dy', 'Y', 'X', 'Mean', 'Variance'],
    perChannel: true,
    term: 'gradientAt(at) * (X[at] - Mean[c])',
    finish: 's / sqrt(Variance[c] + uniforms.epsilon)',
  },
  // a, b and c of dx = a · g + b · (x − mean) + c, per channel: [a…, b…, c…]. Apart from dx,
  // whose inputs would otherwise pass WebGPU's 8 storage buffers a shader may bind.
  coefficients: {
    inputs: ['Variance', 'Gamma', 'DGamma', 'DBeta', 'DMean', 'DVariance'],
    perChannel: false,
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
type ChannelPart = { [P in Part]: (typeof PARTS)[P] extends { term: string } ? P : never }[Part];
type ElementPart = Exclude<Part, ChannelPart>;

const usesGradient = (part: Part) => (PARTS[part].inputs as readonly string[]).includes('Dy');

/** An element-wise part: one invocation per element of its output. */
class BatchNormProgram extends ElementwiseProgram {
  readonly variableNames: string[];
  readonly uniforms = 'rows : i32, channels : i32, epsilon : f32, relu : i32,';
  readonly shaderKey: string;

  constructor(
    private readonly part: ElementPart,
    shape: number[],
  ) {
    super(shape);
    this.variableNames = [...PARTS[part].inputs];
    this.shaderKey = `demandlabBatchNorm_${part}`;
  }

  getUserCode(): string {
    return (usesGradient(this.part) ? GRADIENT : '') + elementwiseMain(PARTS[this.part].code);
  }
}

/** A per-channel sum: one workgroup per channel, its lanes splitting the rows (see the top). */
class ChannelSumProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly uniforms = 'rows : i32, channels : i32, epsilon : f32, relu : i32,';
  readonly shaderKey: string;
  readonly outputShape: number[];
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly size = true;

  constructor(
    private readonly part: ChannelPart,
    channels: number,
    private readonly lanes: number,
  ) {
    this.variableNames = [...PARTS[part].inputs];
    this.shaderKey = `demandlabBatchNormSum_${part}_${lanes}`;
    this.outputShape = [channels];
    this.workgroupSize = [lanes, 1, 1];
    this.dispatch = [channels, 1, 1];
  }

  getUserCode(): string {
    const { term, finish } = PARTS[this.part];
    const n = this.lanes;
    return `${usesGradient(this.part) ? GRADIENT : ''}
    var<workgroup> partial : array<f32, ${n}>;
    fn main(index : i32) {
      let c = i32(workgroupId.x);
      let lane = i32(localId.x);
      var s = 0.0;
      for (var r = lane; r < uniforms.rows; r = r + ${n}) {
        let at = r * uniforms.channels + c;
        s = s + ${term};
      }
      partial[lane] = s;
      workgroupBarrier();
      for (var half = ${n >> 1}; half > 0; half = half >> 1u) {
        if (lane < half) { partial[lane] = partial[lane] + partial[lane + half]; }
        workgroupBarrier();
      }
      if (lane == 0 && c < uniforms.size) {
        let s = partial[0];
        result[c] = ${finish};
      }
    }`;
  }
}

/** Invocations per channel sum on a hardware adapter (a power of two). */
export const HARDWARE_LANES = 256;
/** The lanes each backend's kernels were registered with. */
const registeredLanes = new Map<string, number>();

/**
 * Registers the three kernels for a WebGPU backend, each channel's sums split
 * over `lanes` invocations (1 adds the rows in order); again with other
 * lanes, it replaces them. False unless it is a started WebGPU backend.
 */
export function useWebGpuBatchNorm(backendName = 'webgpu', lanes = HARDWARE_LANES): boolean {
  useBatchNormGradient();
  if (tf.getKernel(BATCH_NORM, backendName)) {
    if (registeredLanes.get(backendName) === lanes) return true;
    for (const k of [BATCH_NORM, BATCH_NORM_SUMS, BATCH_NORM_INPUT_GRAD])
      tf.unregisterKernel(k, backendName);
  }
  if (!isWebGpu(backendName)) return false;
  if (!(lanes >= 1 && (lanes & (lanes - 1)) === 0))
    throw new RangeError(`lanes must be a power of two, not ${lanes}`);
  registeredLanes.set(backendName, lanes);
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
    return (part: Part, inputs: tf.TensorInfo[]) =>
      backend.runWebGPUProgram(
        PARTS[part].perChannel
          ? new ChannelSumProgram(part as ChannelPart, channels, lanes)
          : new BatchNormProgram(
              part as ElementPart,
              part === 'coefficients' ? [3 * channels] : x.shape,
            ),
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
