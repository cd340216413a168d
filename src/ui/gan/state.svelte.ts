/**
 * Reactive state of the GAN lab: the chosen view and its settings, the job in
 * the worker, and the histories the charts draw (losses, D's outputs, sample
 * timeline, quality metrics, the toy view). Snapshots are folded in here;
 * components only read and call methods.
 */
import { appendCapped, fromColumns, stepColumn, toColumns, type Point } from '../../charts/series';
import type { ImageFormat } from '../../core/data/image-set';
import { meetsDigitsBar } from '../../core/gan/metrics';
import {
  ganConfigError,
  isConditional,
  OWN_IMAGE_MODELS,
  presetFor,
  rebuildNeeded,
  type GanConfig,
  type GanModelKind,
} from '../../core/gan/config';
import {
  STATS_PER_STEP,
  type GanImages,
  type GanMetrics,
  type GanQuery,
  type GanReference,
  type GanSnapshot,
  type SampleFrame,
  type ToyView,
} from '../../core/gan/snapshot';
import type { JobState } from '../../core/protocol';
import type { Json, MetricHistory, SavedRun } from '../../core/store';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import { toasts } from '../common/toasts.svelte';
import { RunRecorder, type RunInfo } from '../sessions/run-recorder.svelte';
import type { SessionsState } from '../sessions/state.svelte';
import type { TrainingClient } from '../training-client.svelte';
import { WarmupClock } from '../common/warmup.svelte';
import type { JobProgress } from '../../core/jobs/job';
import { MODEL_NAMES, saveGenerator } from './generator-download';
import { OwnImages } from './own-images.svelte';

/** Sample grids kept for the timeline; past this every other one is dropped. */
const MAX_FRAMES = 120;

/** One sample grid from the fixed noise, at a step. */
export type Frame = SampleFrame;

export interface QueryResult extends GanImages {
  title: string;
}

/** Keeps the first and last frames and every other one between. */
export function thinFrames(frames: Frame[]): Frame[] {
  if (frames.length <= MAX_FRAMES) return frames;
  return frames.filter((_, i) => i % 2 === 0 || i === frames.length - 1);
}

export class GanState extends LabRun {
  config = $state<GanConfig>(presetFor('article'));
  /** The settings the running job has (built with, plus live changes it accepted). */
  applied = $state.raw<GanConfig | null>(null);
  /** A live setting the worker refused, shown at the controls. */
  settingError = $state<string | null>(null);
  dLoss = $state.raw<Point[]>([]);
  gLoss = $state.raw<Point[]>([]);
  dReal = $state.raw<Point[]>([]);
  dFake = $state.raw<Point[]>([]);
  frames = $state.raw<Frame[]>([]);
  metrics = $state.raw<GanMetrics[]>([]);
  reference = $state.raw<GanReference | null>(null);
  /** The first measured step that met the digits bar (MNIST only), or null. */
  readonly digitsAt: number | null = $derived(
    (this.applied ?? this.config).dataset === 'own'
      ? null
      : (this.metrics.find(meetsDigitsBar)?.step ?? null),
  );
  toy = $state.raw<ToyView | null>(null);
  lastGoodStep = $state(0);
  numTensors = $state(0);
  query = $state.raw<QueryResult | null>(null);
  queryBusy = $state(false);
  queryError = $state<string | null>(null);
  /** The user's own images, kept across views and runs. */
  readonly own = new OwnImages();
  /** The DCGAN's format for own images; the article model always takes 28×28 grey. */
  dcganFormat = $state<ImageFormat>('colour32');
  /** Which own set the running job was built with. */
  private appliedSetVersion = $state(-1);

  /** Autosave of this lab's runs, and the link to their saved session. */
  readonly recorder: RunRecorder;

  private queryId = 0;
  /** Title of the latest query; answers to older ones are dropped. */
  private queryTitle = '';

  /** Long work inside a step (measuring IS and FID), with when it began; null when none. */
  activity = $state<(JobProgress & { since: number }) | null>(null);
  /** Times the first step, so the next one shows how long it has left. */
  readonly warmup = new WarmupClock(() => ({
    backend: this.client.backend?.name ?? 'unknown',
    model: this.applied?.model ?? this.config.model,
  }));

  constructor(client: TrainingClient, sessions: SessionsState) {
    super(client, { firstJobId: 1_000_000, unit: 'step', again: 'Press Reset to train again' });
    this.recorder = new RunRecorder(sessions, 'gan');
    this.saveRunsWith(this.recorder, () => this.runInfo());
  }

  get model(): GanModelKind {
    return this.config.model;
  }

  /** The format own images must be in for the current model. */
  get ownFormat(): ImageFormat {
    return this.model === 'dcgan' ? this.dcganFormat : 'grey28';
  }

  get configError(): { field: keyof GanConfig; message: string } | null {
    const problem = ganConfigError(this.config);
    if (problem || this.config.dataset !== 'own') return problem;
    const own = this.own.problem;
    if (own) return { field: 'dataset', message: own };
    if (this.own.set?.format !== this.ownFormat)
      return { field: 'dataset', message: 'your images are being remade in this model’s format' };
    return null;
  }

  /** Settings changed since the job was built that only Reset can apply. */
  get pendingRebuild(): (keyof GanConfig)[] {
    if (!this.applied || !this.active) return [];
    const keys = rebuildNeeded(this.applied, this.config);
    const newSet =
      this.config.dataset === 'own' &&
      this.applied.dataset === 'own' &&
      this.appliedSetVersion !== this.own.version;
    return newSet && !keys.includes('dataset') ? [...keys, 'dataset'] : keys;
  }

  /** Switches view: stops the job and loads the view's preset (the toy drawing is kept). */
  selectModel(kind: GanModelKind): void {
    if (kind === this.config.model) return;
    if (this.active) this.stop();
    const keep = {
      toyDistribution: this.config.toyDistribution,
      toyPoints: this.config.toyPoints,
      // Own images stay chosen for the models that take them.
      dataset: OWN_IMAGE_MODELS.includes(kind) ? this.config.dataset : ('mnist' as const),
    };
    this.config = { ...presetFor(kind), ...keep };
    this.clearView();
    this.phase = 'idle';
    this.applied = null;
  }

  /** The home page's demo: the quick-digits view with its preset (the soonest to digits here). */
  demo(): void {
    this.selectModel('conditional-mlp');
    if (this.active) this.stop();
    this.config = presetFor('conditional-mlp');
    this.start();
  }

  /** Builds new models from the current settings and starts training (a new, unsaved run). */
  start(): void {
    if (this.configError) return;
    this.clearView();
    void this.recorder.newRun();
    this.launch($state.snapshot(this.config) as GanConfig);
  }

  /** Starts the job, fresh or from a saved state, with autosave on. */
  private launch(config: GanConfig, resume?: SavedRun['checkpoint'], paused = false): void {
    this.applied = config;
    const set = config.dataset === 'own' ? this.own.set : null;
    this.appliedSetVersion = this.own.version;
    // The worker gets a copy of the set; the page keeps its own for the preview and the next run.
    const images = set
      ? { side: set.side, channels: set.channels, count: set.count, pixels: set.pixels }
      : undefined;
    this.launchJob({ kind: 'gan', config, ...(images ? { images } : {}) }, resume, paused);
  }

  /**
   * Shows a saved run: its settings, curves, samples and quality measurements,
   * without training. Used for the read-only view and before resuming.
   */
  show(run: SavedRun): void {
    const config = this.openSaved(run) as GanConfig;
    this.config = config;
    this.applied = null;
    const m = run.metrics;
    this.dLoss = fromColumns(m['D loss']);
    this.gLoss = fromColumns(m['G loss']);
    this.dReal = fromColumns(m['D(x)']);
    this.dFake = fromColumns(m['D(G(z))']);
    const fid = fromColumns(m.FID);
    this.metrics = fromColumns(m.IS).map((p, i) => ({
      step: p.x,
      inceptionScore: p.y,
      fid: fid[i]?.y ?? NaN,
      histogram: new Array<number>(10).fill(0),
      labelAccuracy: null,
    }));
    this.frames = thinFrames(
      run.samples.map((x) => ({
        step: x.step,
        side: x.width,
        channels: x.channels as 1 | 3,
        count: x.height / x.width,
        cols: isConditional(config.model) ? 10 : 8,
        pixels: x.pixels,
      })),
    );
    this.step = run.session.step;
  }

  /**
   * Continues a saved run exactly where it stopped (training at once, or
   * paused with `play` false). When another tab holds it, it is only shown,
   * and the recorder says why.
   */
  async continueRun(run: SavedRun, play = true): Promise<void> {
    this.show(run);
    if (!(await this.recorder.claim(run)) || !run.checkpoint) return;
    if (this.config.dataset === 'own' && !this.own.set) {
      toasts.push(
        'error',
        'This run trained on your own images: load the same images, then resume.',
      );
      return;
    }
    this.step = run.checkpoint.step;
    this.launch($state.snapshot(this.config) as GanConfig, run.checkpoint, !play);
  }

  /** Asks the worker for the generator in TensorFlow.js format; it downloads as a zip. */
  downloadModel(): void {
    if (!this.active) return;
    this.client.send({ type: 'export-model', jobId: this.job.jobId });
  }

  /** What the recorder saves with a checkpoint. */
  private runInfo(): RunInfo {
    const config = this.applied ?? this.config;
    const frame = this.frames.at(-1);
    return {
      name: `${MODEL_NAMES[config.model]} · ${config.loss} · seed ${config.seed}`,
      config: $state.snapshot(config) as unknown as Json,
      seed: config.seed,
      backend: this.ranOn || 'unknown',
      metrics: this.metricHistory(),
      ...(frame && {
        sample: {
          step: frame.step,
          width: frame.side,
          height: frame.side * frame.count,
          channels: frame.channels,
          pixels: frame.pixels,
        },
      }),
    };
  }

  /**
   * Sends settings that apply without a rebuild to the running job. Called
   * whenever the form changes; does nothing when there is nothing to send.
   */
  syncLive(): void {
    if (!this.active || !this.applied || this.configError) return;
    if (this.pendingRebuild.length > 0) return;
    const config = $state.snapshot(this.config) as GanConfig;
    if (JSON.stringify(config) === JSON.stringify(this.applied)) return;
    this.applied = config;
    this.client.send({ type: 'configure', jobId: this.job.jobId, config });
  }

  /** Asks the worker for an interpolation between two samples of the fixed grid. */
  interpolate(from: number, to: number, steps = 10): void {
    this.ask({ kind: 'interpolate', from, to, steps }, `From sample ${from + 1} to ${to + 1}`);
  }

  /** Conditional GAN: fresh samples of one digit. */
  generateDigit(digit: number, count = 10): void {
    this.ask({ kind: 'generate', digit, count }, `Ten new ${digit}s`);
  }

  private ask(query: GanQuery, title: string): void {
    if (!this.active) return;
    this.queryId++;
    this.queryTitle = title;
    this.queryBusy = true;
    this.queryError = null;
    this.client.send({ type: 'query', jobId: this.job.jobId, queryId: this.queryId, query });
  }

  /** The run's curves as named series, for saving as a session. */
  metricHistory(): MetricHistory {
    const history: MetricHistory = {
      'D loss': toColumns(this.dLoss),
      'G loss': toColumns(this.gLoss),
      'D(x)': toColumns(this.dReal),
      'D(G(z))': toColumns(this.dFake),
    };
    if (this.metrics.length > 0) {
      history.IS = toColumns(this.metrics.map((m) => ({ x: m.step, y: m.inceptionScore })));
      history.FID = toColumns(this.metrics.map((m) => ({ x: m.step, y: m.fid })));
    }
    return history;
  }

  protected override clearView(): void {
    super.clearView();
    this.settingError = null;
    this.dLoss = [];
    this.gLoss = [];
    this.dReal = [];
    this.dFake = [];
    this.frames = [];
    this.metrics = [];
    this.reference = null;
    this.toy = null;
    this.query = null;
    this.queryError = null;
    this.lastGoodStep = 0;
  }

  protected override onState(state: JobState, step: number): void {
    if (state !== 'running') this.activity = null;
    this.warmup.onState(state, step);
  }

  protected receive(msg: JobMessage): void {
    switch (msg.type) {
      case 'job-progress':
        this.activity = msg.progress && {
          ...msg.progress,
          // Each measurement starts at 0 and has its own clock.
          since: msg.progress.done > 0 && this.activity ? this.activity.since : performance.now(),
        };
        return;
      case 'snapshot':
        if (msg.snapshot.kind === 'gan') {
          this.fold(msg.snapshot);
          this.warmup.onStep(msg.snapshot.step);
        }
        return;
      case 'configured':
        this.settingError = msg.error;
        return;
      case 'model-files':
        if (msg.files) void saveGenerator(msg.files, this.applied ?? this.config, this.step);
        else toasts.push('error', `The model could not be exported: ${msg.error}`);
        return;
      case 'answer': {
        if (msg.queryId !== this.queryId) return;
        const title = this.queryTitle;
        this.queryBusy = false;
        this.queryError = msg.error;
        this.query = msg.answer ? { title, ...msg.answer } : null;
        return;
      }
    }
  }

  private fold(s: GanSnapshot): void {
    if (s.step < this.step) {
      // A rollback: forget what happened after the state we went back to.
      const keep = (ps: Point[]) => ps.filter((p) => p.x <= s.step);
      this.dLoss = keep(this.dLoss);
      this.gLoss = keep(this.gLoss);
      this.dReal = keep(this.dReal);
      this.dFake = keep(this.dFake);
      this.frames = this.frames.filter((f) => f.step <= s.step);
      this.metrics = this.metrics.filter((m) => m.step <= s.step);
    }
    if (s.stats.length > 0) {
      const col = (k: number) => stepColumn(s.stats, STATS_PER_STEP, k, s.firstStatStep);
      this.dLoss = appendCapped(this.dLoss, col(0));
      this.gLoss = appendCapped(this.gLoss, col(1));
      this.dReal = appendCapped(this.dReal, col(2));
      this.dFake = appendCapped(this.dFake, col(3));
    }
    if (s.samples) this.frames = thinFrames([...this.frames, s.samples]);
    if (s.metrics.length > 0) this.metrics = [...this.metrics, ...s.metrics];
    if (s.reference) this.reference = s.reference;
    if (s.toy) this.toy = s.toy;
    this.reached(s.step, s.backend);
    this.lastGoodStep = s.lastGoodStep;
    this.numTensors = s.numTensors;
  }
}
