/**
 * Reactive state of one of the source's recommender models training on a
 * log: its settings, the job in the worker, and each epoch's held-out
 * metrics as snapshots bring them. Components only read.
 */
import {
  LOG_MODEL_LABELS,
  LOG_MODEL_PRESET,
  logModelConfigError,
  logSizeProblem,
  type EpochReport,
  type LogModelConfig,
  type LogModelSnapshot,
  type LogPrior,
} from '../../core/rl/models/log-model-config';
import type { OwnLog } from '../../core/rl/models/log-source';
import { ownLogOf } from '../../core/rl/models/own-log-state';
import { epochHistory, epochsOf } from '../../core/rl/models/epoch-history';
import type { Json, SavedRun } from '../../core/store';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import { toasts } from '../common/toasts.svelte';
import { RunRecorder, type RunInfo } from '../sessions/run-recorder.svelte';
import type { SessionsState } from '../sessions/state.svelte';
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

  /** Autosave of model runs, and the link to their saved session. */
  readonly recorder: RunRecorder;

  constructor(client: TrainingClient, sessions: SessionsState) {
    super(client, {
      firstJobId: 4_000_000,
      unit: 'step',
      again: 'Press Train to start again',
      stepOnlyGrows: true,
      divergedEnds: true,
    });
    this.recorder = new RunRecorder(sessions, 'log-model');
    this.saveRunsWith(this.recorder, () => this.runInfo());
  }

  get configError(): string | null {
    const p = logModelConfigError(this.config);
    if (p) return `${p.field} ${p.message}`;
    if (this.config.source !== 'own') return null;
    if (!this.ownLog) return 'log needs one read and accepted under Shoppers first';
    const size = logSizeProblem(this.ownLog.log.userIds.length, this.ownLog.log.itemIds.length);
    return size && `log cannot train a model: ${size}`;
  }

  /** Offers `own` as the log to train on, and picks it. */
  useOwnLog(own: OwnLog): void {
    this.ownLog = own;
    if (this.phase !== 'running' && this.phase !== 'starting') this.config.source = 'own';
  }

  /** Starts a new run with the settings in the form (replacing any job in the worker). */
  start(): void {
    if (this.configError) return;
    this.clearView();
    void this.recorder.newRun();
    this.launch($state.snapshot(this.config));
  }

  /** Starts the job for `config`, fresh or from a saved state. */
  private launch(config: LogModelConfig, resume?: SavedRun['checkpoint'], paused = false): void {
    this.trained = config;
    const own = config.source === 'own' ? this.ownLog : null;
    this.launchJob({ kind: 'log-model', config, ...(own && { log: own }) }, resume, paused);
  }

  /** Shows a saved run (its settings and each epoch's measurement) without training it. */
  show(run: SavedRun): void {
    const config = this.openSaved(run) as LogModelConfig;
    this.config = config;
    this.trained = config;
    this.epochs = epochsOf(run.metrics);
    this.epochSteps = this.epochs[0]?.steps ?? 0;
    this.step = run.session.step;
  }

  /**
   * Continues a saved run where it stopped (training at once, or paused with
   * `play` false). A run on your own log brings the log back from its state;
   * a damaged one is shown, not continued. When another tab holds it, it is only shown.
   */
  async continueRun(run: SavedRun, play = true): Promise<void> {
    this.show(run);
    if (!run.checkpoint) return;
    let own: OwnLog | null;
    try {
      own = ownLogOf(run.checkpoint);
    } catch (e) {
      toasts.push(
        'error',
        `“${run.session.name}” cannot be continued: ${e instanceof Error ? e.message : String(e)}. Its settings and measurements are shown.`,
      );
      return;
    }
    if (!(await this.recorder.claim(run))) return;
    if (own) this.ownLog = own;
    this.step = run.checkpoint.step;
    this.launch($state.snapshot(this.config), run.checkpoint, !play);
  }

  /** What the recorder saves with a checkpoint. */
  private runInfo(): RunInfo {
    const c = this.trained ?? this.config;
    const log =
      c.source === 'simulated'
        ? `a simulated log of ${c.sessions.toLocaleString('en')} sessions`
        : c.source === 'sample'
          ? 'the sample log'
          : `your log ${this.ownLog?.name ?? ''}`.trim();
    return {
      name: `${LOG_MODEL_LABELS[c.model]} on ${log} · seed ${c.seed}`,
      config: $state.snapshot(c) as unknown as Json,
      seed: c.seed,
      backend: this.ranOn || 'unknown',
      metrics: epochHistory(this.epochs),
    };
  }

  protected override clearView(): void {
    super.clearView();
    this.epochs = [];
    this.data = null;
    this.prior = null;
    this.epochSteps = 0;
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
