/**
 * Reactive state of one of the source's recommender models training on a
 * log: its settings, the job in the worker, and each epoch's held-out
 * metrics as snapshots bring them. Components only read.
 */
import {
  LOG_MODEL_PRESET,
  logModelConfigError,
  type EpochReport,
  type LogModelConfig,
  type LogModelSnapshot,
  type LogPrior,
} from '../../core/rl/models/log-model-config';
import type { OwnLog } from '../../core/rl/models/log-source';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import type { TrainingClient } from '../training-client.svelte';

export class LogModelState extends LabRun {
  config = $state<LogModelConfig>({ ...LOG_MODEL_PRESET });
  /** The settings of the run shown (the form may have moved on). */
  trained = $state.raw<LogModelConfig | null>(null);
  epochs = $state.raw<EpochReport[]>([]);
  epochSteps = $state(0);
  data = $state.raw<LogModelSnapshot['data'] | null>(null);
  /** What a race can start from (CF or the two-headed network), as of the last epoch. */
  prior = $state.raw<LogPrior | null>(null);
  /** A log read and accepted under Shoppers, offered as the log to train on. */
  ownLog = $state.raw<OwnLog | null>(null);

  constructor(client: TrainingClient) {
    super(client, {
      firstJobId: 4_000_000,
      unit: 'step',
      again: 'Press Train to start again',
      stepOnlyGrows: true,
      divergedEnds: true,
    });
  }

  get configError(): string | null {
    const p = logModelConfigError(this.config);
    if (p) return `${p.field} ${p.message}`;
    if (this.config.source === 'own' && !this.ownLog)
      return 'log needs one read and accepted under Shoppers first';
    return null;
  }

  /** Offers `own` as the log to train on, and picks it. */
  useOwnLog(own: OwnLog): void {
    this.ownLog = own;
    if (this.phase !== 'running' && this.phase !== 'starting') this.config.source = 'own';
  }

  /** Starts a new run with the settings in the form (replacing any job in the worker). */
  start(): void {
    if (this.configError) return;
    this.resetRun();
    this.epochs = [];
    this.data = null;
    this.prior = null;
    this.epochSteps = 0;
    this.trained = $state.snapshot(this.config);
    const own = this.trained.source === 'own' ? this.ownLog : null;
    this.launchJob({ kind: 'log-model', config: this.trained, ...(own && { log: own }) });
  }

  protected receive(msg: JobMessage): void {
    if (msg.type !== 'snapshot' || msg.snapshot.kind !== 'log-model') return;
    const s = msg.snapshot;
    this.epochs = s.epochs;
    this.epochSteps = s.epochSteps;
    this.data = s.data;
    this.prior = s.prior;
    this.reached(s.step, s.backend);
  }
}
