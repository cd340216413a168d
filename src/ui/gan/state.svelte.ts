/**
 * Reactive state of the GAN lab: the chosen view and its settings, the job in
 * the worker, and the histories the charts draw (losses, D's outputs, sample
 * timeline, quality metrics, the toy view). Snapshots are folded in here;
 * components only read and call methods.
 */
import { downsample, fromColumns, toColumns, type Point } from '../../charts/series';
import type { ImageFormat } from '../../core/data/image-set';
import {
  ganConfigError,
  presetFor,
  rebuildNeeded,
  type GanConfig,
  type GanModelKind,
} from '../../core/gan/config';
import type {
  GanImages,
  GanMetrics,
  GanQuery,
  GanReference,
  GanSnapshot,
  SampleFrame,
  ToyView,
} from '../../core/gan/snapshot';
import type { FromWorker, JobState } from '../../core/protocol';
import type { Json, MetricHistory, SavedRun } from '../../core/store';
import type { TfjsModelFiles } from '../../core/store/tf-state';
import { download } from '../common/export-chart';
import { JobControl } from '../common/job-control';
import { StepRate } from '../common/step-rate';
import { toasts } from '../common/toasts.svelte';
import { RunRecorder, type RunInfo } from '../sessions/run-recorder.svelte';
import type { SessionsState } from '../sessions/state.svelte';
import type { TrainingClient } from '../training-client.svelte';
import { WarmupClock } from '../common/warmup.svelte';
import type { JobProgress } from '../../core/jobs/job';
import { OwnImages } from './own-images.svelte';

/** Points kept per curve; past this the history is thinned to half, keeping its shape. */
const MAX_HISTORY = 20_000;
/** Sample grids kept for the timeline; past this every other one is dropped. */
const MAX_FRAMES = 120;
const STATS_PER_STEP = 4;

export type GanPhase = JobState | 'idle';

/** One sample grid from the fixed noise, at a step. */
export type Frame = SampleFrame;

export interface QueryResult extends GanImages {
  title: string;
}

/** Models that can train on the user's own images (the conditional GAN needs digit labels). */
export const OWN_IMAGE_MODELS: readonly GanModelKind[] = ['article', 'dcgan'];

/** Keeps the first and last frames and every other one between. */
export function thinFrames(frames: Frame[]): Frame[] {
  if (frames.length <= MAX_FRAMES) return frames;
  return frames.filter((_, i) => i % 2 === 0 || i === frames.length - 1);
}

const MODEL_NAMES: Record<GanModelKind, string> = {
  article: 'Article GAN',
  dcgan: 'DCGAN',
  conditional: 'Conditional GAN',
  toy: 'Toy GAN',
};

function cap(points: Point[]): Point[] {
  return points.length > MAX_HISTORY ? downsample(points, MAX_HISTORY / 2) : points;
}

export class GanState {
  config = $state<GanConfig>(presetFor('article'));
  /** The settings the running job has (built with, plus live changes it accepted). */
  applied = $state.raw<GanConfig | null>(null);
  phase = $state<GanPhase>('idle');
  step = $state(0);
  message = $state<string | null>(null);
  /** A live setting the worker refused, shown at the controls. */
  settingError = $state<string | null>(null);
  dLoss = $state.raw<Point[]>([]);
  gLoss = $state.raw<Point[]>([]);
  dReal = $state.raw<Point[]>([]);
  dFake = $state.raw<Point[]>([]);
  frames = $state.raw<Frame[]>([]);
  metrics = $state.raw<GanMetrics[]>([]);
  reference = $state.raw<GanReference | null>(null);
  toy = $state.raw<ToyView | null>(null);
  lastGoodStep = $state(0);
  ranOn = $state('');
  numTensors = $state(0);
  stepsPerSecond = $state(0);
  /** Speed cap in steps per second; 0 = full speed. */
  rateCap = $state(0);
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

  private readonly job: JobControl;
  private queryId = 0;
  /** Title of the latest query; answers to older ones are dropped. */
  private queryTitle = '';
  private readonly rate = new StepRate();

  /** Long work inside a step (measuring IS and FID), with when it began; null when none. */
  activity = $state<(JobProgress & { since: number }) | null>(null);
  /** Times the first step, so the next one shows how long it has left. */
  readonly warmup = new WarmupClock(() => ({
    backend: this.client.backend?.name ?? 'unknown',
    model: this.applied?.model ?? this.config.model,
  }));

  constructor(
    private readonly client: TrainingClient,
    sessions: SessionsState,
  ) {
    this.job = new JobControl(client, 1_000_000); // ids apart from the demo's, which share the worker
    this.recorder = new RunRecorder(sessions, 'gan');
    client.subscribe((msg) => this.receive(msg));
    this.recorder.saveWhenHidden(() => {
      if (this.phase === 'running') this.job.checkpoint();
    });
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

  get active(): boolean {
    return (
      this.phase === 'starting' ||
      this.phase === 'running' ||
      this.phase === 'paused' ||
      this.phase === 'diverged'
    );
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
    this.clear();
    this.phase = 'idle';
    this.applied = null;
  }

  /** Builds new models from the current settings and starts training (a new, unsaved run). */
  start(): void {
    if (this.configError) return;
    this.clear();
    void this.recorder.newRun();
    this.launch($state.snapshot(this.config) as GanConfig);
  }

  /** Starts the job, fresh or from a saved state, with autosave on. */
  private launch(config: GanConfig, resume?: SavedRun['checkpoint'], paused = false): void {
    this.phase = 'starting';
    this.applied = config;
    const set = config.dataset === 'own' ? this.own.set : null;
    this.appliedSetVersion = this.own.version;
    // The worker gets a copy of the set; the page keeps its own for the preview and the next run.
    const images = set
      ? { side: set.side, channels: set.channels, count: set.count, pixels: set.pixels }
      : undefined;
    this.job.start({
      kind: 'gan',
      config,
      ...(images ? { images } : {}),
      ...(resume ? { resume } : {}),
      ...(paused ? { paused } : {}),
    });
    this.job.autosave(this.recorder.everySteps);
    if (this.rateCap > 0) this.setRateCap(this.rateCap);
  }

  /**
   * Shows a saved run: its settings, curves, samples and quality measurements,
   * without training. Used for the read-only view and before resuming.
   */
  show(run: SavedRun): void {
    if (this.active) this.stop();
    this.clear();
    const config = structuredClone(run.session.config) as unknown as GanConfig;
    this.config = config;
    this.applied = null;
    this.phase = 'idle';
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
        cols: config.model === 'conditional' ? 10 : 8,
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

  private async saveModelFiles(files: TfjsModelFiles): Promise<void> {
    const config = this.applied ?? this.config;
    const { zipSync, strToU8 } = await import('fflate');
    const conditional = config.model === 'conditional';
    const out =
      config.model === 'toy'
        ? '2 numbers (a point in the plane)'
        : 'the image’s pixels, row by row, in [-1, 1]';
    const readme = [
      `${MODEL_NAMES[config.model]} generator from DemandLab, at step ${this.step}.`,
      '',
      'Load it with TensorFlow.js:',
      "  const g = await tf.loadLayersModel('model.json');  // weights.bin beside it",
      '',
      `Input: [n, ${config.latentSize + (conditional ? 10 : 0)}]: ${config.latentSize} standard normal noise values${conditional ? ', then the digit one-hot (10 values)' : ''}.`,
      `Output: [n, …]: ${out}.`,
      '',
    ].join('\n');
    const zip = zipSync({
      'model.json': strToU8(files.modelJson),
      'weights.bin': new Uint8Array(files.weights),
      'README.txt': strToU8(readme),
    });
    download(
      `demandlab-${config.model}-generator-step${this.step}-tfjs.zip`,
      new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
    );
  }

  /** Autosave cadence, for this and later runs. */
  setAutosave(everySteps: number): void {
    this.recorder.setEvery(everySteps);
    if (this.active) this.job.autosave(everySteps);
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

  /** Save session: the run is kept under its name (and goes on saving as it trains). */
  async keep(): Promise<void> {
    const live = this.active && this.phase !== 'starting';
    await this.recorder.keepRun(this.runInfo(), this.step, live ? this.job : null);
  }

  pause(): void {
    this.job.pause();
  }

  resume(): void {
    this.rate.reset();
    this.job.resume();
  }

  stepBy(steps: number): void {
    this.job.stepBy(steps);
  }

  stop(): void {
    this.job.stop();
  }

  rollback(): void {
    this.client.send({ type: 'rollback', jobId: this.job.jobId });
  }

  setRateCap(stepsPerSecond: number): void {
    this.rateCap = stepsPerSecond;
    this.rate.reset();
    if (this.active) this.client.send({ type: 'throttle', jobId: this.job.jobId, stepsPerSecond });
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

  private clear(): void {
    this.step = 0;
    this.message = null;
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
    this.rate.reset();
    this.stepsPerSecond = 0;
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'device-lost') {
      if (this.active) {
        this.phase = 'failed';
        this.message = `Stopped at step ${this.step}: the GPU device was lost (${msg.message}). Press Reset to train again on the next backend.`;
      }
      return;
    }
    if (!('jobId' in msg) || msg.jobId !== this.job.jobId) return;
    if (this.recorder.receive(msg, () => this.runInfo())) return;
    switch (msg.type) {
      case 'job-progress':
        this.activity = msg.progress && {
          ...msg.progress,
          // Each measurement starts at 0 and has its own clock.
          since: msg.progress.done > 0 && this.activity ? this.activity.since : performance.now(),
        };
        return;
      case 'job-state':
        if (msg.state !== 'running') this.activity = null;
        this.phase = msg.state;
        if (msg.state !== 'starting') this.step = msg.step;
        this.message = msg.message ?? null;
        if (msg.state === 'running') this.rate.reset();
        this.warmup.onState(msg.state, msg.step);
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
        if (msg.files) void this.saveModelFiles(msg.files);
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
    const n = s.stats.length / STATS_PER_STEP;
    if (n > 0) {
      const col = (k: number) =>
        Array.from({ length: n }, (_, i) => ({
          x: s.firstStatStep + i + 1,
          y: s.stats[i * STATS_PER_STEP + k]!,
        }));
      this.dLoss = cap(this.dLoss.concat(col(0)));
      this.gLoss = cap(this.gLoss.concat(col(1)));
      this.dReal = cap(this.dReal.concat(col(2)));
      this.dFake = cap(this.dFake.concat(col(3)));
    }
    if (s.samples) this.frames = thinFrames([...this.frames, s.samples]);
    if (s.metrics.length > 0) this.metrics = [...this.metrics, ...s.metrics];
    if (s.reference) this.reference = s.reference;
    if (s.toy) this.toy = s.toy;
    const rate = this.rate.update(s.step, performance.now());
    if (rate !== null) this.stepsPerSecond = rate;
    this.step = s.step;
    this.lastGoodStep = s.lastGoodStep;
    this.ranOn = s.backend;
    this.numTensors = s.numTensors;
  }
}
