/**
 * The run lifecycle every lab shares: one job in the worker at a time, its
 * phase, step and message, the step rate and speed cap, the commands (pause,
 * play, step, stop, go back), autosave for the labs that save their runs,
 * and what a lost GPU device means for the run. Each lab's state extends it
 * with its settings and what its snapshots carry.
 */
import type { FromWorker, JobCheckpoint, JobSpec, JobState } from '../../core/protocol';
import type { SavedRun } from '../../core/store';
import type { RunInfo, RunRecorder } from '../sessions/run-recorder.svelte';
import type { TrainingClient } from '../training-client.svelte';
import { JobControl } from './job-control';
import { StepRate } from './step-rate';

export type RunPhase = JobState | 'idle';

/** A message about the lab's own job. */
export type JobMessage = Extract<FromWorker, { jobId: number }>;

export interface RunOptions {
  /** The first job id; each lab has its own range, so labs sharing the worker never mix. */
  firstJobId: number;
  /** What a step is called in the lab's messages: "step", or "round" for a race. */
  unit: string;
  /** What to do after a lost device, as a sentence: "Press Reset to train again". */
  again: string;
  /** The shown step never goes back on a state change (labs without rollback). */
  stepOnlyGrows?: boolean;
  /** A NaN ends the run, with no going back to a good state: a diverged job is not active. */
  divergedEnds?: boolean;
}

export abstract class LabRun {
  phase = $state<RunPhase>('idle');
  step = $state(0);
  message = $state<string | null>(null);
  /** Backend that ran the latest steps, as the worker reports it. */
  ranOn = $state('');
  stepsPerSecond = $state(0);
  /** Speed cap in steps per second; 0 = full speed. */
  rateCap = $state(0);
  /** The saved run on screen, when one was opened: what was trained, and when (never shown as live). */
  opened = $state.raw<{ name: string; step: number; savedAt: number } | null>(null);

  protected readonly job: JobControl;
  protected readonly rate = new StepRate();
  private saving: { recorder: RunRecorder; info: () => RunInfo } | null = null;

  constructor(
    protected readonly client: TrainingClient,
    private readonly options: RunOptions,
  ) {
    this.job = new JobControl(client, options.firstJobId);
    client.subscribe((msg) => this.dispatch(msg));
  }

  /** A job is in the worker: starting, running, paused, or stopped by a NaN where it can go back. */
  get active(): boolean {
    return (
      this.phase === 'starting' ||
      this.phase === 'running' ||
      this.phase === 'paused' ||
      (this.phase === 'diverged' && !this.options.divergedEnds)
    );
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

  /** After a NaN: back to the last good state. */
  rollback(): void {
    this.client.send({ type: 'rollback', jobId: this.job.jobId });
  }

  setRateCap(stepsPerSecond: number): void {
    this.rateCap = stepsPerSecond;
    this.rate.reset();
    if (this.active) this.client.send({ type: 'throttle', jobId: this.job.jobId, stepsPerSecond });
  }

  /** Autosave cadence, for this and later runs. */
  setAutosave(everySteps: number): void {
    this.saving?.recorder.setEvery(everySteps);
    if (this.active) this.job.autosave(everySteps);
  }

  /** Save session: the run is kept under its name (and goes on saving as it trains). */
  async keep(): Promise<void> {
    if (!this.saving) return;
    const live = this.active && this.phase !== 'starting';
    await this.saving.recorder.keepRun(this.saving.info(), this.step, live ? this.job : null);
  }

  /** Saves this lab's runs with `recorder`; `info` is what goes with each checkpoint. */
  protected saveRunsWith(recorder: RunRecorder, info: () => RunInfo): void {
    this.saving = { recorder, info };
    recorder.saveWhenHidden(() => {
      if (this.phase === 'running') this.job.checkpoint();
    });
  }

  /**
   * Starts `spec` in the worker, from a saved state when `resume` is given
   * (paused there with `paused`), with autosave and the speed cap where they apply.
   */
  protected launchJob(spec: JobSpec, resume?: JobCheckpoint | null, paused = false): void {
    this.phase = 'starting';
    this.job.start({ ...spec, ...(resume ? { resume } : {}), ...(paused ? { paused } : {}) });
    if (this.saving) this.job.autosave(this.saving.recorder.everySteps);
    if (this.rateCap > 0) this.setRateCap(this.rateCap);
  }

  /**
   * Stops any job and clears the view for a saved run; returns a copy of the
   * run's settings for the lab to take.
   */
  protected openSaved(run: SavedRun): unknown {
    if (this.active) this.stop();
    this.clearView();
    this.phase = 'idle';
    const { name, step, updatedAt } = run.session;
    this.opened = { name, step, savedAt: updatedAt };
    return structuredClone(run.session.config);
  }

  /** Clears what the lab shows of a run; labs with more to forget add to it. */
  protected clearView(): void {
    this.resetRun();
    this.opened = null;
  }

  /** Forgets the step, message and rate of the run shown. */
  protected resetRun(): void {
    this.step = 0;
    this.message = null;
    this.rate.reset();
    this.stepsPerSecond = 0;
  }

  /** Takes a snapshot's step and backend, and the step rate they give. */
  protected reached(step: number, backend: string): void {
    const rate = this.rate.update(step, performance.now());
    if (rate !== null) this.stepsPerSecond = rate;
    this.step = step;
    this.ranOn = backend;
  }

  /** A message about the lab's job other than its state: snapshots, answers. */
  protected abstract receive(msg: JobMessage): void;

  /** Called after a state change was taken; labs with clocks or activity follow it here. */
  protected onState(_state: JobState, _step: number): void {}

  private dispatch(msg: FromWorker): void {
    if (msg.type === 'device-lost') {
      // The job's last readback often fails first with a raw driver error
      // (mapAsync on a destroyed buffer); the lost device is the real story.
      if (this.active || this.phase === 'failed') {
        this.phase = 'failed';
        this.message = `Stopped at ${this.options.unit} ${this.step}: the GPU device was lost (${msg.message}). ${this.options.again} on the next backend.`;
      }
      return;
    }
    if (!('jobId' in msg) || msg.jobId !== this.job.jobId) return;
    if (this.saving?.recorder.receive(msg, this.saving.info)) return;
    if (msg.type === 'job-state') {
      this.phase = msg.state;
      if (msg.state !== 'starting')
        this.step = this.options.stepOnlyGrows ? Math.max(this.step, msg.step) : msg.step;
      this.message = msg.message ?? null;
      if (msg.state === 'running') this.rate.reset();
      this.onState(msg.state, msg.step);
      return;
    }
    this.receive(msg);
  }
}
