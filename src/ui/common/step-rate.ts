/**
 * Steps per second as the page sees them: measured between snapshots at
 * least half a second apart, restarted on resume, rollback or a new job.
 */
export class StepRate {
  private mark: { t: number; step: number } | null = null;

  reset(): void {
    this.mark = null;
  }

  /** Folds in the step reached at time `now` (ms); returns a new rate when one is due. */
  update(step: number, now: number): number | null {
    if (!this.mark || step < this.mark.step) {
      this.mark = { t: now, step };
      return null;
    }
    if (step > this.mark.step && now - this.mark.t > 500) {
      const rate = ((step - this.mark.step) * 1000) / (now - this.mark.t);
      this.mark = { t: now, step };
      return rate;
    }
    return null;
  }
}
