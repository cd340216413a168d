import { describe, expect, it } from 'vitest';
import { DivergedError, JobPausedError, type TrainingJob } from '../../../src/core/jobs/job';
import { JobRunner } from '../../../src/core/jobs/runner';
import type { JobState } from '../../../src/core/protocol';

/** A job that counts steps and can be told to fail at a given step. */
class CountingJob implements TrainingJob<{ step: number }> {
  readonly kind = 'count';
  step = 0;
  disposed = 0;
  constructor(private readonly failAt = Infinity) {}
  trainStep(): void {
    this.step++;
  }
  async flush(): Promise<void> {
    if (this.step >= this.failAt) throw new Error(`loss became NaN at step ${this.step}`);
  }
  async snapshot() {
    await this.flush();
    return { snapshot: { step: this.step }, transfer: [] };
  }
  dispose(): void {
    this.disposed++;
  }
  async saveState() {
    return { step: this.step, weights: [], optimizer: [], rng: [this.step] };
  }
}

function harness(job: CountingJob, clock = { t: 0 }, minSnapshotMs = 0) {
  const states: { state: JobState; step: number; message?: string }[] = [];
  const snapshots: number[] = [];
  let yields = 0;
  const runner = new JobRunner(
    job,
    {
      state: (state, step, message) =>
        states.push(message === undefined ? { state, step } : { state, step, message }),
      snapshot: (s) => snapshots.push(s.step),
    },
    {
      minSnapshotMs,
      chunkTargetMs: 50,
      now: () => clock.t,
      yieldToEvents: async () => {
        yields++;
        clock.t += 10;
        await new Promise((r) => setImmediate(r));
      },
    },
  );
  return { runner, states, snapshots, yields: () => yields };
}

describe('job runner', () => {
  it('runs exactly the requested steps, then pauses with a final snapshot', async () => {
    const job = new CountingJob();
    const h = harness(job);
    h.runner.stepBy(7);
    await h.runner.idle();
    expect(job.step).toBe(7);
    expect(h.states.at(-1)).toEqual({ state: 'paused', step: 7 });
    expect(h.snapshots.at(-1)).toBe(7);
    h.runner.stepBy(1);
    await h.runner.idle();
    expect(job.step).toBe(8);
  });

  it('yields through a message by default, so a pause sent as a message is heard', async () => {
    const job = new CountingJob();
    const runner = new JobRunner(
      job,
      { state: () => {}, snapshot: () => {} },
      { minSnapshotMs: 0 },
    );
    runner.run();
    // The pause comes as a message, as the page's does in the worker; a yield that let
    // no message in (a microtask) would never hear it.
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      runner.pause();
    };
    port2.postMessage(null);
    await runner.idle();
    const at = job.step;
    expect(at).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(job.step).toBe(at);
  });

  it('runs until paused, yielding to messages between chunks', async () => {
    const job = new CountingJob();
    const h = harness(job);
    h.runner.run();
    while (job.step < 200) await new Promise((r) => setImmediate(r));
    h.runner.pause();
    await h.runner.idle();
    const at = job.step;
    expect(h.states.map((s) => s.state)).toEqual(['running', 'paused']);
    expect(h.yields()).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(job.step).toBe(at); // paused means no more steps
    h.runner.run();
    while (job.step < at + 10) await new Promise((r) => setImmediate(r));
    await h.runner.stop();
    expect(h.states.at(-1)!.state).toBe('stopped');
    expect(job.disposed).toBe(1);
  });

  it('throttles snapshots while running', async () => {
    const job = new CountingJob();
    const clock = { t: 0 };
    const h = harness(job, clock, 100);
    h.runner.run();
    while (clock.t < 1000) await new Promise((r) => setImmediate(r));
    await h.runner.stop();
    // 10 ms of fake time pass per chunk; at most one snapshot per 100 ms.
    expect(h.snapshots.length).toBeGreaterThan(3);
    expect(h.snapshots.length).toBeLessThanOrEqual(12);
  });

  it('reports a failing job with its message and frees it', async () => {
    const job = new CountingJob(5);
    const h = harness(job);
    h.runner.run();
    await h.runner.idle();
    expect(h.states.at(-1)).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/NaN/),
    });
    expect(job.disposed).toBe(1);
    await h.runner.stop(); // stopping a failed job does nothing more
    expect(job.disposed).toBe(1);
  });

  it('stops a job that never ran, freeing it once', async () => {
    const job = new CountingJob();
    const h = harness(job);
    await h.runner.stop();
    await h.runner.stop();
    expect(job.disposed).toBe(1);
    expect(h.states).toEqual([{ state: 'stopped', step: 0 }]);
  });

  it('a diverged job pauses with its weights kept, and rollback returns to its good state', async () => {
    class DivergingJob extends CountingJob {
      restored = 0;
      override async flush(): Promise<void> {
        if (this.step >= 12 && this.restored === 0)
          throw new DivergedError(this.step, `the D loss became NaN at step ${this.step}`);
      }
      async restoreLastGood(): Promise<number> {
        this.restored++;
        this.step = 10;
        return 10;
      }
    }
    const job = new DivergingJob();
    const h = harness(job);
    h.runner.stepBy(20);
    await h.runner.idle();
    const diverged = h.states.at(-1)!;
    expect(diverged.state).toBe('diverged');
    expect(diverged.step).toBeGreaterThanOrEqual(12);
    expect(diverged.message).toBe(`the D loss became NaN at step ${diverged.step}`);
    expect(job.disposed).toBe(0);
    await expect(h.runner.rollback()).resolves.toBe(10);
    expect(h.states.at(-1)).toMatchObject({ state: 'paused', step: 10 });
    expect(h.snapshots.at(-1)).toBe(10);
    h.runner.stepBy(3);
    await h.runner.idle();
    expect(job.step).toBe(13);
    await h.runner.stop();
    expect(job.disposed).toBe(1);
  });

  it('a step the job refuses whole pauses it with the message, saved, and play tries again', async () => {
    class RefusingJob extends CountingJob {
      refuseAt = 17;
      override trainStep(): void {
        if (this.step === this.refuseAt)
          throw new JobPausedError(`Paused after round ${this.step}: the reward is NaN`);
        this.step++;
      }
    }
    const job = new RefusingJob();
    const log: string[] = [];
    const runner = new JobRunner(
      job,
      {
        state: (state, step, message) =>
          log.push(`${state}@${step}${message ? `: ${message}` : ''}`),
        snapshot: (s) => log.push(`snapshot@${s.step}`),
        checkpoint: (c, reason) => log.push(`${reason}@${c.step}`),
      },
      {
        minSnapshotMs: 1e9,
        minAutosaveMs: 0,
        yieldToEvents: () => new Promise((r) => setImmediate(r)),
      },
    );
    runner.setAutosave(1000);
    runner.run();
    await runner.idle();
    expect(runner.state).toBe('paused');
    expect(job.disposed).toBe(0);
    // The rounds before it are kept: shown, saved, then the pause with the reason.
    expect(log.slice(-3)).toEqual([
      'snapshot@17',
      'pause@17',
      'paused@17: Paused after round 17: the reward is NaN',
    ]);
    // Play again: refused again at once, nothing new to save.
    log.length = 0;
    runner.run();
    await runner.idle();
    expect(log).toEqual([
      'running@17',
      'snapshot@17',
      'paused@17: Paused after round 17: the reward is NaN',
    ]);
    // Once the job can go on, it does.
    job.refuseAt = Infinity;
    runner.stepBy(3);
    await runner.idle();
    expect(job.step).toBe(20);
    await runner.stop();
    expect(job.disposed).toBe(1);
  });

  it('a rate cap slows training to the asked steps per second', async () => {
    const job = new CountingJob();
    const clock = { t: 0 };
    const slept: number[] = [];
    const runner = new JobRunner(
      job,
      { state: () => {}, snapshot: () => {} },
      {
        minSnapshotMs: 0,
        now: () => clock.t,
        yieldToEvents: () => new Promise((r) => setImmediate(r)),
        sleep: async (ms) => {
          slept.push(ms);
          clock.t += ms;
        },
      },
    );
    runner.setRateCap(20);
    runner.stepBy(40);
    await runner.idle();
    expect(job.step).toBe(40);
    // 40 steps at 20 per second: two seconds of (simulated) waiting, in chunks of at most 2 steps.
    expect(slept.reduce((a, b) => a + b, 0)).toBeCloseTo(2000, 6);
    expect(slept.length).toBeGreaterThanOrEqual(20);
  });

  it('a failure in a job without a saved state still fails and frees it', async () => {
    const job = new CountingJob(5);
    const h = harness(job);
    h.runner.run();
    await h.runner.idle();
    expect(h.states.at(-1)?.state).toBe('failed');
    await expect(h.runner.rollback()).rejects.toThrow();
    expect(job.disposed).toBe(1);
  });

  it('autosaves every N steps and on pause, each checkpoint right after a snapshot of its step', async () => {
    const job = new CountingJob();
    const clock = { t: 0 };
    const log: string[] = [];
    const runner = new JobRunner(
      job,
      {
        state: (state, step) => log.push(`${state}@${step}`),
        snapshot: (s) => log.push(`snapshot@${s.step}`),
        checkpoint: (c, reason) => log.push(`${reason}@${c.step}`),
      },
      {
        minSnapshotMs: 1e9, // only the snapshots that checkpoints and pauses force
        minAutosaveMs: 0,
        now: () => clock.t,
        yieldToEvents: () => new Promise((r) => setImmediate(r)),
      },
    );
    runner.setAutosave(10);
    runner.stepBy(35);
    await runner.idle();
    const saves = log.filter((l) => /^(auto|pause)@/.test(l));
    expect(saves.at(-1)).toBe('pause@35');
    // Checkpoints at least 10 steps apart, each one preceded by a snapshot of the same step.
    const steps = saves.map((l) => Number(l.split('@')[1]));
    for (let i = 1; i < steps.length; i++)
      expect(steps[i]! - steps[i - 1]!).toBeGreaterThanOrEqual(i === steps.length - 1 ? 1 : 10);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const save of saves) {
      const at = log.indexOf(save);
      expect(log[at - 1]).toBe(`snapshot@${save.split('@')[1]}`);
    }
    // A pause with nothing new to save writes nothing; a request always saves.
    log.length = 0;
    await runner.requestCheckpoint();
    expect(log).toEqual(['snapshot@35', 'request@35']);
    runner.setAutosave(0);
    runner.stepBy(3);
    await runner.idle();
    expect(log.some((l) => l.startsWith('pause@'))).toBe(false);
  });

  it('autosaves no more often than minAutosaveMs, however fast the steps', async () => {
    const job = new CountingJob();
    const clock = { t: 0 };
    const saves: number[] = [];
    const runner = new JobRunner(
      job,
      { state: () => {}, snapshot: () => {}, checkpoint: (c) => saves.push(c.step) },
      {
        minAutosaveMs: 1000,
        now: () => clock.t,
        yieldToEvents: async () => {
          clock.t += 10; // each chunk takes 10 ms of (simulated) time
          await new Promise((r) => setImmediate(r));
        },
      },
    );
    runner.setAutosave(1);
    runner.run();
    while (clock.t < 5000) await new Promise((r) => setImmediate(r));
    await runner.stop();
    expect(job.step).toBeGreaterThan(400);
    expect(saves.length).toBeGreaterThanOrEqual(4);
    expect(saves.length).toBeLessThanOrEqual(6);
  });

  it('runs work between two chunks while training, which waits for it; at once when paused', async () => {
    const tick = () => new Promise((r) => setImmediate(r));
    const job = new CountingJob();
    const h = harness(job);
    h.runner.run();
    while (job.step < 50) await tick();
    const [before, after] = await h.runner.between(async () => {
      const first = job.step;
      for (let i = 0; i < 5; i++) await tick();
      return [first, job.step];
    });
    expect(after).toBe(before); // no step ran while the work did
    while (job.step < before + 10) await tick(); // and training goes on after it
    expect(h.states.map((s) => s.state)).toEqual(['running']);
    h.runner.pause();
    await h.runner.idle();
    const at = job.step;
    expect(await h.runner.between(async () => job.step)).toBe(at);
    await h.runner.stop();
    await expect(h.runner.between(async () => 1)).rejects.toThrow(/stopped/);
  });
});
