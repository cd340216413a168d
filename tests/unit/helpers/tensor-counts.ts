import * as tf from '@tensorflow/tfjs';

/** A job that trains step by step and reads its numbers back when asked. */
interface SteppedJob {
  trainStep(): void;
  snapshot(): Promise<unknown>;
  flush(): Promise<void>;
}

/**
 * Trains `job` for `steps` steps, reading back every `every` steps (a
 * snapshot, as the page asks for, or a flush), and returns the number of
 * live tensors after each read: flat when nothing leaks.
 */
export async function tensorCounts(
  job: SteppedJob,
  steps: number,
  every: number,
  read: 'snapshot' | 'flush' = 'snapshot',
): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < steps; i++) {
    job.trainStep();
    if (i % every === every - 1) {
      await (read === 'snapshot' ? job.snapshot() : job.flush());
      counts.push(tf.memory().numTensors);
    }
  }
  return counts;
}
