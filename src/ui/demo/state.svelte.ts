/**
 * Reactive state of the start page's demo job: its settings, its state in the
 * worker, and the histories the charts draw. Snapshots from the worker are
 * folded in here; components only read.
 */
import { appendCapped, stepColumn, type Point } from '../../charts/series';
import { DEFAULT_DEMO_CONFIG, demoConfigError, type DemoConfig } from '../../core/demo/config';
import type { DemoSnapshot } from '../../core/demo/digit-classifier';
import type { JobState } from '../../core/protocol';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import { WarmupClock } from '../common/warmup.svelte';
import type { TrainingClient } from '../training-client.svelte';

export interface Preview {
  pixels: Uint8Array;
  labels: Uint8Array;
  guesses: Uint8Array;
}

export class DemoState extends LabRun {
  config = $state<DemoConfig>({ ...DEFAULT_DEMO_CONFIG });
  /** Every step's training loss; replaced (not mutated) on each snapshot. */
  losses = $state.raw<Point[]>([]);
  accuracy = $state.raw<Point[]>([]);
  preview = $state.raw<Preview | null>(null);
  numTensors = $state(0);

  /** Times the first step, so the next one shows how long it has left. */
  readonly warmup: WarmupClock;

  constructor(client: TrainingClient) {
    super(client, {
      firstJobId: 0,
      unit: 'step',
      again: 'Press Start to train again',
      stepOnlyGrows: true,
    });
    this.warmup = new WarmupClock(() => ({
      backend: client.backend?.name ?? 'unknown',
      model: 'demo',
    }));
  }

  get configError(): string | null {
    return demoConfigError(this.config);
  }

  start(): void {
    if (this.configError) return;
    this.resetRun();
    this.losses = [];
    this.accuracy = [];
    this.preview = null;
    this.launchJob({ kind: 'mnist-demo', config: { ...this.config } });
  }

  protected override onState(state: JobState, step: number): void {
    this.warmup.onState(state, step);
  }

  protected receive(msg: JobMessage): void {
    if (msg.type === 'snapshot' && msg.snapshot.kind === 'mnist-demo') {
      this.fold(msg.snapshot);
      this.warmup.onStep(msg.snapshot.step);
    }
  }

  private fold(s: DemoSnapshot): void {
    if (s.losses.length > 0)
      this.losses = appendCapped(this.losses, stepColumn(s.losses, 1, 0, s.firstLossStep));
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
    this.reached(s.step, s.backend);
    this.numTensors = s.numTensors;
  }
}
