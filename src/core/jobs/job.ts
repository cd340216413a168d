/** The contract between a training job and the runner that drives it. */
import type { CheckpointInput } from '../store/checkpoint';

/** Everything a job needs to continue exactly where it stopped. */
export type JobCheckpoint = CheckpointInput;

/**
 * `diverged`: a loss became NaN or infinite; the job is paused with its
 * weights kept, and `rollback` takes it back to its last good state.
 */
export type JobState = 'starting' | 'running' | 'paused' | 'diverged' | 'stopped' | 'failed';

/** Long work inside a step (such as measuring IS and FID), for a progress bar. */
export interface JobProgress {
  task: string;
  /** Units of `unit` done, of `total`. */
  done: number;
  total: number;
  unit: string;
}

export interface TrainingJob<S> {
  readonly kind: string;
  /** Set by the host; jobs with long work inside a step tell it here, and null when done. */
  onProgress?: ((p: JobProgress | null) => void) | undefined;
  /** Steps completed so far. */
  readonly step: number;
  /**
   * Gets the backend ready before the first step (GPU programs compiled
   * side by side); the runner awaits it once. Optional.
   */
  warmUp?(): Promise<void>;
  /** Queues one training step on the backend; never reads back synchronously. */
  trainStep(): void;
  /**
   * Waits for the queued steps and reads back their losses in one transfer.
   * Throws when training has failed; a DivergedError means the job can go back.
   */
  flush(): Promise<void>;
  /** Everything the page shows, with the buffers to transfer. */
  snapshot(): Promise<{ snapshot: S; transfer: Transferable[] }>;
  /** Frees every tensor the job holds. */
  dispose(): void;
  /**
   * Jobs that keep a last good state implement this: it puts the weights of
   * that state back and returns its step.
   */
  restoreLastGood?(): Promise<number>;
  /**
   * Resumable jobs implement both: the full training state (weights,
   * optimizer moments, random-generator state, counters), read without
   * synchronous readbacks, and putting such a state into a job freshly built
   * from the same settings. Training on from a loaded state gives the same
   * numbers as never stopping, on the same backend.
   */
  saveState?(): Promise<JobCheckpoint>;
  loadState?(state: JobCheckpoint): Promise<void>;
}

/**
 * Training produced a non-finite loss. Unlike other failures the job stays
 * alive: the runner pauses it so the page can offer to go back to the last
 * good state (when the job keeps one).
 */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
    this.name = 'DivergedError';
  }
}

/**
 * The job cannot take its next step as it is set up (a reward that is not a
 * number for what a shopper just did), but nothing of that step was done:
 * its state is whole. The runner pauses it with the message and saves it
 * like any pause, so the run is kept; pressing play tries the step again.
 */
export class JobPausedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobPausedError';
  }
}
