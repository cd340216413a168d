/**
 * Reactive state of the cold-start experiment: its settings, the worker
 * running it, the progress and the result. The result belongs to the log and
 * the GAN run it was measured on, so a new log clears it.
 */
import type { ShopperFeatures } from '../../core/data/shopper-features';
import {
  COLD_START_PRESET,
  coldStartConfigError,
  type ColdStartConfig,
  type ColdStartReply,
  type ColdStartResult,
} from '../../core/rl/cold-start';
import { runWorkerTask, type WorkerTask } from '../common/worker-task';
import { createColdStartWorker } from '../urls';

export class ColdStartState {
  config = $state<ColdStartConfig>({ ...COLD_START_PRESET });
  /** Share of the work done while running, else null. */
  progress = $state<number | null>(null);
  result = $state.raw<ColdStartResult | null>(null);
  /** The GAN step the result's synthetic shoppers came from, or null when it had none. */
  ganStep = $state<number | null>(null);
  error = $state<string | null>(null);

  private task: WorkerTask | null = null;

  get configError(): string | null {
    const p = coldStartConfigError(this.config);
    return p ? p.message : null;
  }

  get running(): boolean {
    return this.progress !== null;
  }

  /**
   * Runs the experiment on the log's shoppers. `gan` has the GAN's synthetic
   * rows and the step they come from (null leaves that recommender out); `splitSeed` is the GAN run's seed, so
   * the rows it held out arrive as the new shoppers.
   */
  run(
    real: ShopperFeatures,
    gan: { synthetic: Float32Array; step: number } | null,
    splitSeed: number,
  ): void {
    if (this.configError) return;
    this.cancel();
    this.error = null;
    this.result = null;
    this.ganStep = gan?.step ?? null;
    this.progress = 0;
    const task: WorkerTask = runWorkerTask<Extract<ColdStartReply, { type: 'done' }>>(
      createColdStartWorker(),
      {
        config: $state.snapshot(this.config),
        real: { names: real.names, values: real.values, shares: real.shares, scale: real.scale },
        synthetic: gan?.synthetic ?? null,
        splitSeed,
      },
      {
        progress: (share) => (this.progress = share),
        done: (m) => (this.result = m.result),
        failed: (message, crashed) =>
          (this.error = crashed
            ? `The experiment's worker stopped: ${message}`
            : `The experiment stopped: ${message}`),
        finally: () => {
          if (this.task === task) this.task = null;
          this.progress = null;
        },
      },
    );
    this.task = task;
  }

  cancel(): void {
    this.task?.cancel();
    this.task = null;
    this.progress = null;
  }

  /** Forgets the result (a new log came in). */
  clear(): void {
    this.cancel();
    this.result = null;
    this.error = null;
  }
}
