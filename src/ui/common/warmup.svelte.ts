/**
 * Times a job's first step (building the model, compiling its GPU programs)
 * and remembers it per backend and model on this device, so the next first
 * step shows a progress bar with the time left instead of a bare wait.
 */
import { readDevice, writeDevice } from './device-store';
import { parseWarmups, warmupKey, withWarmup, type WarmupRecord } from '../../core/progress';

const KEY = 'demandlab.warmups';

const read = (): WarmupRecord => parseWarmups(readDevice(KEY));

export class WarmupClock {
  /** When the job began its first step (its data loaded), while that step runs; else null. */
  startedAt = $state<number | null>(null);

  /** `what` names the backend and model the time is kept under. */
  constructor(private readonly what: () => { backend: string; model: string }) {}

  private get key(): string {
    const { backend, model } = this.what();
    return warmupKey(backend, model);
  }

  /** Follows the job's state: running at step 0 is the warm-up. */
  onState(state: string, step: number): void {
    if (state === 'running' && step === 0) this.startedAt ??= performance.now();
    else if (state !== 'running') this.startedAt = null;
  }

  /** The first finished step ends the warm-up; its time is kept for next time. */
  onStep(step: number): void {
    if (step < 1 || this.startedAt === null) return;
    const ms = performance.now() - this.startedAt;
    this.startedAt = null;
    writeDevice(KEY, JSON.stringify(withWarmup(read(), this.key, ms)));
  }

  /** What the first step took last time on this backend and model. */
  expected(): number | undefined {
    return read()[this.key];
  }
}
