/**
 * The demo job: a tiny MLP that learns to classify MNIST digits. It exists to
 * prove the whole path (data, backend, worker, snapshots, charts) with a model
 * small enough to train at interactive speed even on a software GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../kernels/fused-adam';
import { lazyDense } from '../kernels/lazy-layers';
import { MNIST_PIXELS, gatherBatch, sampleBatch, type MnistData, type Split } from '../data/mnist';
import { createRandom, type Random } from '../random';
import type { TrainingJob } from '../jobs/job';
import { StepStats } from '../jobs/step-stats';
import { demoConfigError, type DemoConfig } from './config';

export type { DemoConfig } from './config';

/** What the page receives from the demo job at most ~30 times a second. */
export interface DemoSnapshot {
  kind: 'mnist-demo';
  /** Steps completed so far. */
  step: number;
  /** Training losses of steps firstLossStep+1 ... firstLossStep+losses.length since the last snapshot. */
  firstLossStep: number;
  losses: Float32Array;
  /** New test accuracy measurements (step, fraction correct) since the last snapshot. */
  accuracySteps: Uint32Array;
  accuracy: Float32Array;
  /** The digits of the latest batch: 784 bytes each, their labels and the model's guesses. */
  previewPixels: Uint8Array;
  previewLabels: Uint8Array;
  previewGuesses: Uint8Array;
  /** tfjs tensors alive in the worker, to spot leaks. */
  numTensors: number;
  /** The backend that ran the steps (`tf.getBackend()` inside the worker). */
  backend: string;
}

/** Error thrown when the loss stops being a finite number. */
export class NonFiniteLossError extends Error {
  constructor(step: number, value: number) {
    super(
      `The loss became ${value} at step ${step}: training diverged. ` +
        'Lower the learning rate and start again.',
    );
    this.name = 'NonFiniteLossError';
  }
}

export class DigitClassifierJob implements TrainingJob<DemoSnapshot> {
  readonly kind = 'mnist-demo';
  private readonly model: tf.Sequential;
  private readonly optimizer: tf.Optimizer;
  private readonly rng: Random;
  private stepCount = 0;
  private readonly losses = new StepStats(
    1,
    (step, _k, value) => new NonFiniteLossError(step, value),
  );
  private accSteps: number[] = [];
  private accValues: number[] = [];
  private lastBatch: Uint32Array = new Uint32Array();
  private pendingAcc: { step: number; correct: tf.Scalar } | null = null;
  private readonly evalX: tf.Tensor2D;
  private readonly evalY: tf.Tensor1D;

  constructor(
    private readonly data: MnistData,
    private readonly split: Split,
    readonly config: DemoConfig,
  ) {
    const problem = demoConfigError(config);
    if (problem) throw new RangeError(problem);
    this.rng = createRandom(config.seed);
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    this.model = tf.sequential({
      layers: [
        lazyDense({
          inputShape: [MNIST_PIXELS],
          units: config.hidden,
          activation: 'relu',
          kernelInitializer: init(this.rng.seed32()),
        }),
        lazyDense({ units: 10, kernelInitializer: init(this.rng.seed32()) }),
      ],
    });
    this.optimizer = adam(config.learningRate);
    // The evaluation digits stay on the device for the whole run.
    const evalIdx = split.test.slice(0, Math.min(config.evalSize, split.test.length));
    const evalBatch = gatherBatch(data, evalIdx);
    this.evalX = tf.tensor2d(evalBatch.x, [evalIdx.length, MNIST_PIXELS]);
    this.evalY = tf.tensor1d(evalBatch.y, 'int32');
  }

  get step(): number {
    return this.stepCount;
  }

  /** Number of trainable parameters: 784*h + h + h*10 + 10. */
  get parameterCount(): number {
    return this.model.countParams();
  }

  trainStep(): void {
    const batch = sampleBatch(this.data, this.split.train, this.config.batchSize, this.rng);
    this.lastBatch = batch.indices;
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.indices.length, MNIST_PIXELS]);
      const y = tf.oneHot(tf.tensor1d(batch.y, 'int32'), 10);
      return this.optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, this.model.apply(x) as tf.Tensor) as tf.Scalar,
        true,
      ) as tf.Scalar;
    });
    this.losses.push(loss);
    this.stepCount++;
    const every = this.config.evalEvery;
    if (every > 0 && this.stepCount % every === 0 && !this.pendingAcc) {
      this.pendingAcc = {
        step: this.stepCount,
        correct: tf.tidy(() => {
          const logits = this.model.apply(this.evalX) as tf.Tensor2D;
          return tf.mean(
            tf.cast(tf.equal(tf.argMax(logits, 1), this.evalY), 'float32'),
          ) as tf.Scalar;
        }),
      };
    }
  }

  /** Reads back the losses queued since the last flush in one transfer; throws on NaN. */
  async flush(): Promise<void> {
    await this.losses.flush(this.stepCount);
    if (this.pendingAcc) {
      const { step, correct } = this.pendingAcc;
      this.pendingAcc = null;
      const [v] = await correct.data();
      correct.dispose();
      this.accSteps.push(step);
      this.accValues.push(v!);
    }
  }

  async snapshot(): Promise<{ snapshot: DemoSnapshot; transfer: Transferable[] }> {
    await this.flush();
    const n = Math.min(this.config.previewCount, this.lastBatch.length);
    const shown = this.lastBatch.slice(0, n);
    const previewPixels = new Uint8Array(n * MNIST_PIXELS);
    const previewLabels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const k = shown[i]!;
      previewPixels.set(
        this.data.pixels.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS),
        i * MNIST_PIXELS,
      );
      previewLabels[i] = this.data.labels[k]!;
    }
    const previewGuesses = n > 0 ? await this.guess(previewPixels, n) : new Uint8Array();
    const losses = this.losses.take();
    const snapshot: DemoSnapshot = {
      kind: 'mnist-demo',
      step: this.stepCount,
      firstLossStep: this.stepCount - losses.length,
      losses,
      accuracySteps: Uint32Array.from(this.accSteps),
      accuracy: Float32Array.from(this.accValues),
      previewPixels,
      previewLabels,
      previewGuesses,
      numTensors: tf.memory().numTensors,
      backend: tf.getBackend(),
    };
    this.accSteps = [];
    this.accValues = [];
    return {
      snapshot,
      transfer: [
        losses.buffer,
        snapshot.accuracySteps.buffer,
        snapshot.accuracy.buffer,
        previewPixels.buffer,
        previewLabels.buffer,
        previewGuesses.buffer,
      ],
    };
  }

  private async guess(pixels: Uint8Array, n: number): Promise<Uint8Array> {
    const out = tf.tidy(() => {
      const x = tf.div(tf.tensor2d(pixels, [n, MNIST_PIXELS], 'float32'), 255);
      return tf.argMax(this.model.apply(x) as tf.Tensor2D, 1);
    });
    const values = await out.data();
    out.dispose();
    return Uint8Array.from(values);
  }

  dispose(): void {
    this.losses.clear();
    this.pendingAcc?.correct.dispose();
    this.pendingAcc = null;
    this.evalX.dispose();
    this.evalY.dispose();
    this.model.dispose();
    this.optimizer.dispose();
  }
}
