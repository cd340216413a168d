/** The contract between a training job and the runner that drives it. */
export interface TrainingJob<S> {
  readonly kind: string;
  /** Steps completed so far. */
  readonly step: number;
  /** Queues one training step on the backend; never reads back synchronously. */
  trainStep(): void;
  /**
   * Waits for the queued steps and reads back their losses in one transfer.
   * Throws when training has failed (a non-finite loss).
   */
  flush(): Promise<void>;
  /** Everything the page shows, with the buffers to transfer. */
  snapshot(): Promise<{ snapshot: S; transfer: Transferable[] }>;
  /** Frees every tensor the job holds. */
  dispose(): void;
}
