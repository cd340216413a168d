/**
 * The state a diverged GAN goes back to. Every GOOD_EVERY steps the job
 * copies the weights of G and D as a candidate; the candidate becomes the
 * last good state only once the losses it went on to produce were read back
 * finite, so a rollback never lands on weights that were already broken.
 */
import * as tf from '@tensorflow/tfjs';
import type { GanModels } from './models';

/** Steps between saved good states; a rollback loses at most about this many. */
const GOOD_EVERY = 50;

/** Clones of every weight of G and D at a step. */
interface SavedWeights {
  step: number;
  g: tf.Tensor[];
  d: tf.Tensor[];
}

function copyWeights(m: GanModels, step: number): SavedWeights {
  return tf.tidy(() => ({
    step,
    g: m.generator.getWeights().map((w) => w.clone()),
    d: m.discriminator.getWeights().map((w) => w.clone()),
  }));
}

function disposeWeights(s: SavedWeights | null): void {
  s?.g.forEach((t) => t.dispose());
  s?.d.forEach((t) => t.dispose());
}

export class LastGood {
  private good: SavedWeights;
  private candidate: SavedWeights | null = null;

  constructor(
    private readonly models: GanModels,
    step: number,
  ) {
    this.good = copyWeights(models, step);
  }

  /** The step a rollback returns to. */
  get step(): number {
    return this.good.step;
  }

  /** After losses up to `step` were read back finite: promotes the candidate, and takes a new one when due. */
  confirm(step: number): void {
    if (this.candidate) {
      disposeWeights(this.good);
      this.good = this.candidate;
      this.candidate = null;
    }
    if (step - this.good.step >= GOOD_EVERY) this.candidate = copyWeights(this.models, step);
  }

  /** Puts the last good weights back into G and D; returns their step. */
  restore(): number {
    disposeWeights(this.candidate);
    this.candidate = null;
    this.models.generator.setWeights(this.good.g);
    this.models.discriminator.setWeights(this.good.d);
    return this.good.step;
  }

  /** Starts over from the models' weights as they are now, at `step` (a loaded checkpoint). */
  reset(step: number): void {
    this.dispose();
    this.good = copyWeights(this.models, step);
  }

  dispose(): void {
    disposeWeights(this.good);
    disposeWeights(this.candidate);
    this.candidate = null;
  }
}
