/**
 * One of the source's recommender models training on a log in the worker,
 * a minibatch per step, its held-out metrics measured at the end of every
 * epoch. It pauses when it has trained the epochs asked for; Play trains on.
 */
import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import type { InteractionLog } from '../../data/interaction-log';
import {
  DivergedError,
  JobPausedError,
  type JobCheckpoint,
  type TrainingJob,
} from '../../jobs/job';
import { CheckpointError } from '../../store/checkpoint';
import type { Json } from '../../store/schema';
import { logPrior, type LearnedModel, type LogPrior } from '../agents/log-prior';
import type { SimulatedLogTruth } from '../sim/simulated-log';
import type { LogRace } from './log-source';
import { ownLogState } from './own-log-state';
import type { EpochReport, LogModelConfig, LogModelSnapshot } from './log-model-config';
import { learnedFromTensors, learnedToTensors } from './learned-state';
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
  /** What the model had learned when its last epoch ended (what a race starts from). */
  private learned: LearnedModel | null = null;
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
    /** Your own log's name, when the log is yours: the run's state then carries the log. */
    private readonly ownName: string | null = null,
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
    if (this.race && this.trainer.learned) this.setLearned(await this.trainer.learned());
    if (this.reports.length >= this.config.epochs && !this.pausedAtTarget) {
      this.pausedAtTarget = true;
      throw new JobPausedError(
        `Trained ${this.reports.length} epoch${this.reports.length === 1 ? '' : 's'}. Press Play to train on.`,
      );
    }
  }

  /** Keeps what the model learned by an epoch's end, and the prior a race from it starts with. */
  private setLearned(learned: LearnedModel): void {
    const race = this.race!;
    this.learned = learned;
    this.prior = logPrior(
      this.log,
      race.mapping,
      race.origin,
      learned,
      race.maxSessionLength,
      race.catalog,
    );
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

  /**
   * The whole run: the network and Adam's state, where the batches stand,
   * every epoch's measurement, what was learned by the last one; and your
   * own log, when the run trains on one, so the session resumes alone.
   */
  async saveState(): Promise<JobCheckpoint> {
    if (this.pending.length > 0) await this.flush();
    const t = await this.trainer.saveState();
    const weights = [...t.weights];
    if (this.learned) weights.push(...learnedToTensors(this.learned, 'learned'));
    const order = t.stream.order;
    if (order)
      weights.push({
        name: 'stream/order',
        shape: [order.length],
        dtype: 'int32',
        data: new Int32Array(order.buffer),
      });
    let own: Json = null;
    if (this.ownName !== null) {
      const saved = ownLogState({ name: this.ownName, log: this.log });
      weights.push(...saved.tensors);
      own = saved.json;
    }
    const job = {
      lossSum: this.lossSum,
      lossCount: this.lossCount,
      seconds: this.seconds,
      pausedAtTarget: this.pausedAtTarget,
      reports: this.reports.map(reportJson),
      learned: this.learned !== null,
      streamFrom: t.stream.from,
      modelSteps: t.modelSteps,
    };
    return {
      step: this.steps,
      weights,
      optimizer: t.optimizer,
      rng: t.stream.rng,
      extra: { job, own },
    };
  }

  /** Continues a saved run; the job must be fresh and built from the same settings and log. */
  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.steps !== 0) throw new Error('only a fresh run can take a saved state');
    const read = v.safeParse(SAVED_JOB, (state.extra as { job?: unknown } | null)?.job);
    if (!read.success)
      throw new CheckpointError(
        `the saved run is damaged: ${v.getDotPath(read.issues[0]) ?? 'its state'} ${read.issues[0].message}`,
      );
    const job = read.output;
    const per = this.trainer.batchesPerEpoch;
    if (!Number.isSafeInteger(state.step) || state.step < 0)
      throw new CheckpointError(`the saved step ${state.step} is not a whole number`);
    if (job.reports.length !== Math.floor(state.step / per))
      throw new CheckpointError(
        `${job.reports.length} epochs measured by step ${state.step}, where an epoch is ${per} steps`,
      );
    const reports = job.reports.map((r, k) => {
      if (r.epoch !== k + 1 || r.steps !== (k + 1) * per)
        throw new CheckpointError(`epoch ${k + 1}’s measurement is out of place`);
      return fromReportJson(r);
    });
    if (job.learned && !(this.race && this.trainer.learned))
      throw new CheckpointError('the saved run has a learned model this run cannot race');
    const order = state.weights.find((w) => w.name === 'stream/order');
    await this.trainer.loadState({
      weights: state.weights.filter((w) => w.name.startsWith('model/')),
      optimizer: state.optimizer,
      stream: {
        rng: state.rng,
        order: order ? new Uint32Array(order.data.slice().buffer) : null,
        from: job.streamFrom,
      },
      modelSteps: job.modelSteps,
    });
    if (job.learned && this.trainer.learned)
      this.setLearned(learnedFromTensors(await this.trainer.learned(), state.weights, 'learned'));
    this.steps = state.step;
    this.reports.push(...reports);
    this.lossSum = job.lossSum;
    this.lossCount = job.lossCount;
    this.seconds = job.seconds;
    this.pausedAtTarget = job.pausedAtTarget;
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
    this.trainer.dispose();
  }
}

/** A metric JSON can carry: NaN and ±∞ spelled out (JSON has none), so they come back as they were. */
type MetricJson = number | 'NaN' | 'Infinity' | '-Infinity';

function reportJson(r: EpochReport) {
  const metrics: Record<string, MetricJson> = {};
  for (const [k, x] of Object.entries(r.metrics))
    metrics[k] = Number.isFinite(x) ? x : (String(x) as MetricJson);
  return { ...r, metrics };
}

function fromReportJson(r: v.InferOutput<typeof REPORT>): EpochReport {
  const metrics: Record<string, number> = {};
  for (const [k, x] of Object.entries(r.metrics)) metrics[k] = Number(x);
  return { ...r, metrics };
}

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const finite = v.pipe(v.number(), v.finite());
const REPORT = v.strictObject({
  epoch: count,
  steps: count,
  seconds: v.pipe(finite, v.minValue(0)),
  loss: finite,
  metrics: v.pipe(
    v.record(
      v.pipe(v.string(), v.regex(/^[a-zA-Z]{1,40}$/)),
      v.union([finite, v.picklist(['NaN', 'Infinity', '-Infinity'])]),
    ),
    v.check((m) => Object.keys(m).length <= 16, 'too many metrics'),
  ),
});
/** The job's own counters, as saveState writes them. */
const SAVED_JOB = v.strictObject({
  lossSum: finite,
  lossCount: count,
  seconds: v.pipe(finite, v.minValue(0)),
  pausedAtTarget: v.boolean(),
  reports: v.pipe(v.array(REPORT), v.maxLength(100_000)),
  learned: v.boolean(),
  streamFrom: count,
  modelSteps: count,
});
