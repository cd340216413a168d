/**
 * Reactive state of the start page's demo job: its settings, its state in the
 * worker, and the histories the charts draw. Snapshots from the worker are
 * folded in here; components only read.
 */
import { DEFAULT_DEMO_CONFIG, demoConfigError, type DemoConfig } from '../../core/demo/config';
import type { DemoSnapshot } from '../../core/demo/digit-classifier';
import type { FromWorker, JobState } from '../../core/protocol';
import { downsample, type Point } from '../../charts/series';

/** Loss points kept for drawing; past this the history is thinned to half, keeping its shape. */
const MAX_HISTORY = 20_000;
import { JobControl } from '../common/job-control';
import { StepRate } from '../common/step-rate';
import { WarmupClock } from '../common/warmup.svelte';
import type { TrainingClient } from '../training-client.svelte';

export type DemoPhase = JobState | 'idle';

export interface Preview {
  pixels: Uint8Array;
  labels: Uint8Array;
  guesses: Uint8Array;
}

export class DemoState {
  config = $state<DemoConfig>({ ...DEFAULT_DEMO_CONFIG });
  phase = $state<DemoPhase>('idle');
  step = $state(0);
  message = $state<string | null>(null);
  /** Every step's training loss; replaced (not mutated) on each snapshot. */
  losses = $state.raw<Point[]>([]);
  accuracy = $state.raw<Point[]>([]);
  preview = $state.raw<Preview | null>(null);
  /** Backend that ran the latest steps, as the worker reports it. */
  ranOn = $state('');
  numTensors = $state(0);
  stepsPerSecond = $state(0);

  private readonly job: JobControl;
  private readonly rate = new StepRate();

  /** Times the first step, so the next one shows how long it has left. */
  readonly warmup: WarmupClock;

  constructor(client: TrainingClient) {
    this.job = new JobControl(client, 0);
    this.warmup = new WarmupClock(() => ({
      backend: client.backend?.name ?? 'unknown',
      model: 'demo',
    }));
    client.subscribe((msg) => this.receive(msg));
  }

  get configError(): string | null {
    return demoConfigError(this.config);
  }

  get active(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'paused';
  }

  start(): void {
    if (this.configError) return;
    this.phase = 'starting';
    this.step = 0;
    this.message = null;
    this.losses = [];
    this.accuracy = [];
    this.preview = null;
    this.rate.reset();
    this.stepsPerSecond = 0;
    this.job.start({ kind: 'mnist-demo', config: { ...this.config } });
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

  private receive(msg: FromWorker): void {
    if (msg.type === 'device-lost') {
      // The job's last readback usually fails first with a raw driver error
      // (mapAsync on a destroyed buffer); the loss is the real story.
      if (this.active || this.phase === 'failed') {
        this.phase = 'failed';
        this.message = `Stopped at step ${this.step}: the GPU device was lost (${msg.message}). Press Start to train again on the next backend.`;
      }
      return;
    }
    if (!('jobId' in msg) || msg.jobId !== this.job.jobId) return;
    if (msg.type === 'job-state') {
      this.phase = msg.state;
      if (msg.state !== 'starting') this.step = Math.max(this.step, msg.step);
      this.message = msg.message ?? null;
      this.warmup.onState(msg.state, msg.step);
    } else if (msg.type === 'snapshot') {
      if (msg.snapshot.kind === 'mnist-demo') {
        this.fold(msg.snapshot);
        this.warmup.onStep(msg.snapshot.step);
      }
    }
  }

  private fold(s: DemoSnapshot): void {
    if (s.losses.length > 0) {
      const added = Array.from(s.losses, (y, i) => ({ x: s.firstLossStep + i + 1, y }));
      const all = this.losses.concat(added);
      this.losses = all.length > MAX_HISTORY ? downsample(all, MAX_HISTORY / 2) : all;
    }
    if (s.accuracy.length > 0) {
      this.accuracy = this.accuracy.concat(
        Array.from(s.accuracy, (y, i) => ({ x: s.accuracySteps[i]!, y })),
      );
    }
    if (s.previewLabels.length > 0) {
      this.preview = {
        pixels: s.previewPixels,
        labels: s.previewLabels,
        guesses: s.previewGuesses,
      };
    }
    const rate = this.rate.update(s.step, performance.now());
    if (rate !== null) this.stepsPerSecond = rate;
    this.step = s.step;
    this.ranOn = s.backend;
    this.numTensors = s.numTensors;
  }
}
