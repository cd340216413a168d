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
import { WorkerTask } from '../common/worker-task.svelte';
import { createColdStartWorker } from '../urls';

export class ColdStartState {
  config = $state<ColdStartConfig>({ ...COLD_START_PRESET });
  result = $state.raw<ColdStartResult | null>(null);
  /** The GAN step the result's synthetic shoppers came from, or null when it had none. */
  ganStep = $state<number | null>(null);
  error = $state<string | null>(null);

  private readonly task = new WorkerTask<Extract<ColdStartReply, { type: 'done' }>>();

  get configError(): string | null {
    const p = coldStartConfigError(this.config);
    return p ? p.message : null;
  }

  /** Share of the work done while running, else null. */
  get progress(): number | null {
    return this.task.progress;
  }

  get running(): boolean {
    return this.task.running;
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
    this.error = null;
    this.result = null;
    this.ganStep = gan?.step ?? null;
    this.task.run(
      createColdStartWorker(),
      {
        config: $state.snapshot(this.config),
        real: { names: real.names, values: real.values, shares: real.shares, scale: real.scale },
        synthetic: gan?.synthetic ?? null,
        splitSeed,
      },
      {
        done: (m) => (this.result = m.result),
        failed: (message, crashed) =>
          (this.error = crashed
            ? `The experiment's worker stopped: ${message}`
            : `The experiment stopped: ${message}`),
      },
    );
  }

  cancel(): void {
    this.task.cancel();
  }

  /** Forgets the result (a new log came in). */
  clear(): void {
    this.cancel();
    this.result = null;
    this.error = null;
  }
}
