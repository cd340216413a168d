/**
 * The numbers a job records per step (losses, D's outputs), kept on the
 * device as one small tensor per step and read back in one transfer per
 * chunk, so a step never waits on a readback. Every job reads its step
 * statistics here, and checks them for NaN here.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * What a value that is not finite means: the error to stop training with, or
 * null when that value may be anything (D(x) of an empty private batch).
 * `step` is the step that produced it, `k` its place within the step.
 */
export type BadValue = (step: number, k: number, value: number) => Error | null;

export class StepStats {
  private queued: tf.Tensor[] = [];
  private values: number[] = [];

  constructor(
    /** Numbers recorded per step. */
    readonly perStep: number,
    private readonly badValue: BadValue,
  ) {}

  /** Queues one step's numbers (a tensor of `perStep` values); disposed once read. */
  push(stats: tf.Tensor): void {
    this.queued.push(stats);
  }

  /**
   * Reads the queued steps back; `stepCount` is the number of the last of
   * them. A chunk holding a bad value throws `badValue`'s error and keeps
   * none of its values. Returns how many steps were read.
   */
  async flush(stepCount: number): Promise<number> {
    if (this.queued.length === 0) return 0;
    const queued = this.queued;
    this.queued = [];
    const stacked = tf.stack(queued);
    queued.forEach((t) => t.dispose());
    const values = await stacked.data();
    stacked.dispose();
    const first = stepCount - queued.length;
    for (let i = 0; i < values.length; i++) {
      if (Number.isFinite(values[i]!)) continue;
      const error = this.badValue(
        first + Math.floor(i / this.perStep) + 1,
        i % this.perStep,
        values[i]!,
      );
      if (error) throw error;
    }
    for (const v of values) this.values.push(v);
    return queued.length;
  }

  /** The values read since the last call, in step order. */
  take(): Float32Array {
    const out = Float32Array.from(this.values);
    this.values = [];
    return out;
  }

  /** Drops what is queued and what was read (a rollback, or the end of the job). */
  clear(): void {
    this.queued.forEach((t) => t.dispose());
    this.queued = [];
    this.values = [];
  }
}
