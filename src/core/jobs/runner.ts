/**
 * Drives one training job through run / pause / step / stop, in chunks of
 * steps, yielding to the worker's message loop between chunks so that control
 * messages are handled at once. Snapshots go out at most every
 * `minSnapshotMs` while running, and always when the job pauses or stops.
 */
import {
  DivergedError,
  JobPausedError,
  type JobCheckpoint,
  type JobState,
  type TrainingJob,
} from './job';

/** Why a checkpoint was taken: autosave every N steps, the job pausing, or the page asking. */
export type CheckpointReason = 'auto' | 'pause' | 'request';

export interface RunnerEvents<S> {
  state(state: JobState, step: number, message?: string): void;
  snapshot(snapshot: S, transfer: Transferable[]): void;
  /**
   * The job's full state. A snapshot with every step up to it always goes
   * out just before, so the page's curves end exactly at `checkpoint.step`.
   */
  checkpoint?(checkpoint: JobCheckpoint, reason: CheckpointReason): void;
  /** Taking a checkpoint failed; training goes on. */
  checkpointFailed?(message: string): void;
}

export interface RunnerOptions {
  /** Shortest interval between snapshots while running, in ms. Default 33 (~30 per second). */
  minSnapshotMs: number;
  /** Wall time a chunk of steps aims for, in ms, before yielding. Default 50. */
  chunkTargetMs: number;
  /** Clock in ms; injectable for tests. */
  now: () => number;
  /** Lets queued messages run; injectable for tests. */
  yieldToEvents: () => Promise<void>;
  /** Waits `ms`; injectable for tests. */
  sleep: (ms: number) => Promise<void>;
  /**
   * Shortest time between autosaves, in ms. Default 3000: a fast toy model
   * would otherwise write its state many times a second for nothing.
   */
  minAutosaveMs: number;
}

/**
 * A turn of the event loop without setTimeout's clamp. Browsers hold a timer
 * nested five deep to at least 4 ms, and the drive loop's yields nest without
 * end: a chunk of one slow step (the DCGAN's, about 80 ms on WASM) lost 4-6 ms
 * to every yield. A message to our own port lets queued messages run (the
 * page's, from the same task source, first) and comes back at once.
 */
function messageYield(): Promise<void> {
  if (typeof MessageChannel === 'undefined')
    return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    // A channel per yield, closed once it answers, so no port is left listening.
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

const defaults: RunnerOptions = {
  minSnapshotMs: 1000 / 30,
  chunkTargetMs: 50,
  now: () => performance.now(),
  yieldToEvents: messageYield,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  minAutosaveMs: 3000,
};

const MAX_CHUNK = 64;

export class JobRunner<S> {
  private readonly opts: RunnerOptions;
  private mode: 'running' | 'paused' | 'stopped' = 'paused';
  private stepsOwed = 0;
  private loop: Promise<void> | null = null;
  private lastSnapshot = -Infinity;
  private chunk = 1;
  private rateCap = 0;
  private autosaveEvery = 0;
  private lastSavedStep = -1;
  private lastSavedAt = -Infinity;
  private checkpointWanted = false;
  /** Work waiting for the end of the chunk in flight (`between`). */
  private waiting: { run: () => Promise<void>; cancel: (e: Error) => void }[] = [];
  private warmedUp = false;

  constructor(
    private readonly job: TrainingJob<S>,
    private readonly events: RunnerEvents<S>,
    options: Partial<RunnerOptions> = {},
  ) {
    this.opts = { ...defaults, ...options };
  }

  get state(): 'running' | 'paused' | 'stopped' {
    return this.mode;
  }

  /** Trains until paused or stopped. */
  run(): void {
    if (this.mode === 'stopped') return;
    this.mode = 'running';
    this.stepsOwed = 0;
    this.events.state('running', this.job.step);
    this.ensureLoop();
  }

  /** For a job built but not started: a first snapshot, and the paused state. */
  async announcePaused(): Promise<void> {
    if (this.mode !== 'paused' || this.loop) return;
    await this.sendSnapshot();
    this.events.state('paused', this.job.step);
  }

  /** Stops after the step in flight; the job keeps its weights. */
  pause(): void {
    if (this.mode !== 'running') return;
    this.mode = 'paused';
  }

  /**
   * Caps the training speed in steps per second (0 = as fast as the device
   * goes): slow motion for teaching and demos.
   */
  setRateCap(stepsPerSecond: number): void {
    this.rateCap = Math.max(0, stepsPerSecond);
  }

  /**
   * Autosave: a checkpoint every `steps` steps while training (at most every
   * `minAutosaveMs`) and whenever the job pauses with unsaved steps; 0 turns
   * it off. The step it is turned on at counts as saved: the page saves its
   * first checkpoint itself.
   */
  setAutosave(steps: number): void {
    this.autosaveEvery = Math.max(0, Math.floor(steps));
    if (this.lastSavedStep < 0) this.lastSavedStep = this.job.step;
  }

  /**
   * Takes a checkpoint now: between two chunks when training, at once when
   * paused. Jobs that cannot save their state report that.
   */
  async requestCheckpoint(): Promise<void> {
    if (this.mode === 'stopped') return;
    if (this.loop) {
      this.checkpointWanted = true;
      return;
    }
    await this.saveNow('request');
  }

  /** Runs exactly `n` more steps, then pauses. */
  stepBy(n: number): void {
    if (this.mode === 'stopped') return;
    if (this.mode === 'running') return; // already moving; a step request means nothing then
    this.stepsOwed += n;
    this.events.state('running', this.job.step);
    this.ensureLoop();
  }

  /**
   * Puts back the job's last good state (paused or diverged only) and sends
   * a snapshot of it. Resolves with the step it went back to.
   */
  async rollback(): Promise<number> {
    if (this.mode !== 'paused' || this.loop) throw new Error('Pause training before going back.');
    if (!this.job.restoreLastGood) throw new Error('This job keeps no earlier state.');
    const step = await this.job.restoreLastGood();
    // A checkpoint past this step is of a run the page has just forgotten.
    this.lastSavedStep = Math.min(this.lastSavedStep, step);
    await this.sendSnapshot();
    this.events.state('paused', step, `Back at step ${step}, the last good state.`);
    return step;
  }

  /** Ends the job and frees its tensors; resolves when that is done. */
  async stop(): Promise<void> {
    if (this.mode === 'stopped') return;
    this.mode = 'stopped';
    const inFlight = this.loop;
    if (inFlight)
      await inFlight; // the loop sees 'stopped' and finishes the job
    else this.finish('stopped');
  }

  /**
   * Runs `work` on the job where it sees a whole state: between two chunks
   * while training (which waits for it), at once when not. Rejects when
   * the job stops first.
   */
  between<T>(work: () => Promise<T>): Promise<T> {
    if (this.mode === 'stopped') return Promise.reject(new Error('The job has stopped.'));
    if (!this.loop) return work();
    return new Promise<T>((resolve, reject) =>
      this.waiting.push({ run: () => work().then(resolve, reject), cancel: reject }),
    );
  }

  private async runWaiting(): Promise<void> {
    for (const w of this.waiting.splice(0)) await w.run();
  }

  /** Resolves when the loop in flight (if any) has ended. */
  idle(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  private ensureLoop(): void {
    this.loop ??= this.drive().finally(() => {
      this.loop = null;
      // Asked for during the last chunk: the job is whole now, or gone.
      if (this.mode === 'stopped')
        for (const w of this.waiting.splice(0)) w.cancel(new Error('The job has stopped.'));
      else void this.runWaiting();
    });
  }

  private wantsSteps(): boolean {
    return this.mode === 'running' || (this.mode === 'paused' && this.stepsOwed > 0);
  }

  private async drive(): Promise<void> {
    const { now } = this.opts;
    try {
      if (!this.warmedUp) {
        this.warmedUp = true;
        await this.job.warmUp?.();
      }
      while (this.wantsSteps()) {
        const t0 = now();
        // Under a rate cap, chunks stay small enough that the charts move smoothly.
        const chunk =
          this.rateCap > 0 ? Math.min(this.chunk, Math.ceil(this.rateCap / 10)) : this.chunk;
        const n = this.mode === 'running' ? chunk : Math.min(chunk, this.stepsOwed);
        if (this.mode !== 'running') this.stepsOwed -= n;
        for (let i = 0; i < n; i++) this.job.trainStep();
        await this.job.flush();
        this.adaptChunk(now() - t0);
        await this.runWaiting();
        if (this.checkpointWanted) await this.saveNow('request');
        else if (this.autosaveDue()) await this.saveNow('auto');
        else if (now() - this.lastSnapshot >= this.opts.minSnapshotMs) await this.sendSnapshot();
        await this.opts.yieldToEvents();
        if (this.rateCap > 0) {
          const wait = (n * 1000) / this.rateCap - (now() - t0);
          if (wait > 0) await this.opts.sleep(wait);
        }
      }
      if (this.mode === 'stopped') {
        this.finish('stopped');
      } else {
        if (this.checkpointWanted) await this.saveNow('request');
        else if (this.autosaveEvery > 0 && this.job.step !== this.lastSavedStep)
          await this.saveNow('pause');
        else await this.sendSnapshot();
        this.events.state('paused', this.job.step);
      }
    } catch (e) {
      if (e instanceof JobPausedError && this.mode !== 'stopped') {
        await this.pauseWhole(e.message);
        return;
      }
      if (e instanceof DivergedError && this.job.restoreLastGood && this.mode !== 'stopped') {
        // Keep the job: the page offers to go back to the last good state.
        this.mode = 'paused';
        this.stepsOwed = 0;
        this.events.state('diverged', e.step, e.message);
        return;
      }
      this.mode = 'stopped';
      this.finish('failed', e instanceof Error ? e.message : String(e));
    }
  }

  /** A step refused before it began: the state is whole, so it is shown and saved like any pause. */
  private async pauseWhole(message: string): Promise<void> {
    this.mode = 'paused';
    this.stepsOwed = 0;
    this.checkpointWanted = false;
    try {
      await this.job.flush();
      if (this.autosaveEvery > 0 && this.job.step !== this.lastSavedStep)
        await this.saveNow('pause');
      else await this.sendSnapshot();
      this.events.state('paused', this.job.step, message);
    } catch (e) {
      this.mode = 'stopped';
      this.finish('failed', e instanceof Error ? e.message : String(e));
    }
  }

  private adaptChunk(elapsed: number): void {
    // Grow the chunk while steps are fast so the yield and readback cost stays small;
    // shrink it when a chunk takes long so pause still answers quickly.
    if (elapsed < this.opts.chunkTargetMs / 2 && this.chunk < MAX_CHUNK) this.chunk *= 2;
    else if (elapsed > this.opts.chunkTargetMs * 2 && this.chunk > 1) this.chunk /= 2;
  }

  private autosaveDue(): boolean {
    return (
      this.autosaveEvery > 0 &&
      this.job.step - this.lastSavedStep >= this.autosaveEvery &&
      this.opts.now() - this.lastSavedAt >= this.opts.minAutosaveMs
    );
  }

  /** A snapshot (so the page holds every step), then the job's state. */
  private async saveNow(reason: CheckpointReason): Promise<void> {
    this.checkpointWanted = false;
    await this.sendSnapshot();
    if (!this.job.saveState) {
      this.events.checkpointFailed?.('This job cannot save its training state.');
      return;
    }
    try {
      const checkpoint = await this.job.saveState();
      this.lastSavedStep = checkpoint.step;
      this.lastSavedAt = this.opts.now();
      this.events.checkpoint?.(checkpoint, reason);
    } catch (e) {
      this.events.checkpointFailed?.(e instanceof Error ? e.message : String(e));
    }
  }

  private async sendSnapshot(): Promise<void> {
    const { snapshot, transfer } = await this.job.snapshot();
    this.lastSnapshot = this.opts.now();
    this.events.snapshot(snapshot, transfer);
  }

  private finish(state: 'stopped' | 'failed', message?: string): void {
    const step = this.job.step;
    try {
      this.job.dispose();
    } catch {
      // A lost device can make dispose throw; the tensors are gone with it anyway.
    }
    this.events.state(state, step, message);
  }
}
