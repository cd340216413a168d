/**
 * One of the source's recommender models training on a log in the worker,
 * a minibatch per step, its held-out metrics measured at the end of every
 * epoch. It pauses when it has trained the epochs asked for; Play trains on.
 */
import * as tf from '@tensorflow/tfjs';
import type { InteractionLog } from '../../data/interaction-log';
import { DivergedError, JobPausedError, type TrainingJob } from '../../jobs/job';
import { logPrior, type LogPrior } from '../agents/log-prior';
import type { SimulatedLogTruth } from '../sim/simulated-log';
import type { LogRace } from './log-source';
import type { EpochReport, LogModelConfig, LogModelSnapshot } from './log-model-config';
import { logTrainer, type LogTrainer } from './log-runs';
import { funnelOf } from './view-examples';

export class LogModelJob implements TrainingJob<LogModelSnapshot> {
  readonly kind = 'log-model';
  private readonly trainer: LogTrainer;
  private readonly data: LogModelSnapshot['data'];
  private steps = 0;
  private pending: tf.Scalar[] = [];
  private lossSum = 0;
  private lossCount = 0;
  private seconds = 0;
  private readonly reports: EpochReport[] = [];
  private pausedAtTarget = false;
  private prior: LogPrior | null = null;

  /**
   * `race`: where what the model learns can race (the shop that wrote a
   * simulator's log, or a shop of your log's items); null when it cannot.
   */
  constructor(
    private readonly config: LogModelConfig,
    private readonly log: InteractionLog,
    truth?: SimulatedLogTruth,
    private readonly race: LogRace | null = null,
  ) {
    this.trainer = logTrainer(config.model, log, { seed: config.seed, ...(truth && { truth }) });
    this.data = {
      rows: log.summary.rows,
      shoppers: log.userIds.length,
      items: log.itemIds.length,
      trainRows: this.trainer.trainRows,
      testRows: this.trainer.testRows,
      funnel: funnelOf(log),
      truth: truth !== undefined,
    };
  }

  get step(): number {
    return this.steps;
  }

  private get epochDone(): boolean {
    return (
      this.steps > 0 &&
      this.steps % this.trainer.batchesPerEpoch === 0 &&
      this.reports.length < this.steps / this.trainer.batchesPerEpoch
    );
  }

  trainStep(): void {
    // An epoch's last step waits for its measurement (in flush) before the next epoch starts.
    if (this.epochDone) return;
    const t0 = performance.now();
    this.pending.push(this.trainer.step());
    this.steps++;
    this.seconds += (performance.now() - t0) / 1000;
  }

  async flush(): Promise<void> {
    const t0 = performance.now();
    const pending = this.pending;
    this.pending = [];
    for (const loss of pending) {
      const v = (await loss.data())[0]!;
      loss.dispose();
      if (!Number.isFinite(v)) {
        tf.dispose(pending);
        throw new DivergedError(this.steps, `The loss became ${v} by step ${this.steps}.`);
      }
      this.lossSum += v;
      this.lossCount++;
    }
    this.seconds += (performance.now() - t0) / 1000;
    if (!this.epochDone) return;
    this.reports.push({
      epoch: this.reports.length + 1,
      steps: this.steps,
      seconds: this.seconds,
      loss: this.lossSum / Math.max(1, this.lossCount),
      metrics: await this.trainer.evaluate(),
    });
    this.lossSum = 0;
    this.lossCount = 0;
    const race = this.race;
    if (race && this.trainer.learned)
      this.prior = logPrior(
        this.log,
        race.mapping,
        race.origin,
        await this.trainer.learned(),
        race.maxSessionLength,
        race.catalog,
      );
    if (this.reports.length >= this.config.epochs && !this.pausedAtTarget) {
      this.pausedAtTarget = true;
      throw new JobPausedError(
        `Trained ${this.reports.length} epoch${this.reports.length === 1 ? '' : 's'}. Press Play to train on.`,
      );
    }
  }

  async snapshot(): Promise<{ snapshot: LogModelSnapshot; transfer: Transferable[] }> {
    return {
      snapshot: {
        kind: 'log-model',
        step: this.steps,
        epochSteps: this.trainer.batchesPerEpoch,
        epochs: this.reports.map((r) => ({ ...r, metrics: { ...r.metrics } })),
        data: this.data,
        backend: tf.getBackend(),
        prior: this.prior,
      },
      transfer: [],
    };
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.trainer.dispose();
  }
}
