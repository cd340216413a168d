/**
 * Times a real training step (the article GAN's, as the GAN lab runs it) on
 * each backend worth timing, for "auto". Runs in the training worker; the
 * backends it leaves registered are switched to at once afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { presetFor } from '../core/gan/config';
import { GanJob } from '../core/gan/gan-job';
import type { ImageSource } from '../core/gan/real-pool';
import { MNIST_SHAPE } from '../core/gan/models';
import {
  dropBackend,
  loseDeviceOnPurpose,
  startBackend,
  type ActivateOptions,
} from '../core/compute/activate';
import {
  GPU_FIRST_STEP_GRACE_MS,
  PROBE_BUDGET_MS,
  type TimingPlan,
} from '../core/compute/auto-choice';
import type { Measured } from '../core/compute/backends';
import type { BackendName, Capabilities } from '../core/compute/backends';

/** What the probe trains: anything with the training job's step and flush. */
export interface ProbeJob {
  trainStep(): void;
  flush(): Promise<void>;
  dispose(): void;
}

/** Share of a backend's time its first step may take; the rest times steady steps. */
const FIRST_STEP_SHARE = 0.6;
/** Steady steps timed at the least, however long the first one took. */
const MIN_STEPS = 2;

/** Noise images shaped like MNIST: what they show does not change a step's cost. */
function noiseImages(count = 256): ImageSource {
  const pixels = new Uint8Array(count * MNIST_SHAPE.side * MNIST_SHAPE.side);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    pixels[i] = s >>> 24;
  }
  return {
    data: { count, pixels, labels: null },
    shape: MNIST_SHAPE,
    train: Uint32Array.from({ length: count }, (_, i) => i),
    test: new Uint32Array(0),
    classifier: null,
  };
}

/** The article GAN at its preset batch, on noise: the step the GAN lab opens with. */
export function articleGanStep(): ProbeJob {
  return new GanJob({ ...presetFor('article'), metricsEvery: 0 }, noiseImages());
}

/** True when `p` settles within `ms`; a late rejection is swallowed. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  const done = await Promise.race([settled, late]);
  clearTimeout(timer);
  return done;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(2))} s`;
}

export interface TimeOptions {
  /** Brings a backend up (activate.ts's startBackend in the app). */
  start(name: BackendName): Promise<void>;
  /** Gives up on a GPU backend whose first step is late: its device, the job's tensors, the backend. */
  abandon(name: BackendName, job: ProbeJob): void;
  makeJob(): ProbeJob;
  now(): number;
}

/**
 * Times one backend within `shareMs`: start, one cold step, then steady
 * steps until the share is spent (at least MIN_STEPS). A GPU backend whose
 * first step misses its deadline is abandoned; WASM and CPU steps run on
 * this thread and cannot be cut short, so they are always timed.
 */
export async function timeBackend(
  name: BackendName,
  shareMs: number,
  graceMs: number,
  o: TimeOptions,
): Promise<Measured> {
  const t0 = o.now();
  try {
    await o.start(name);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { name, stepsPerSecond: null, firstStepMs: null, note: `it could not start (${why})` };
  }
  let job: ProbeJob | null = o.makeJob();
  try {
    const f0 = o.now();
    job.trainStep();
    const first = job.flush();
    const gpu = name === 'webgpu' || name === 'webgl';
    const deadline = t0 + shareMs * FIRST_STEP_SHARE + graceMs;
    if (gpu && !(await within(first, deadline - o.now()))) {
      const late = job;
      job = null;
      o.abandon(name, late);
      return {
        name,
        stepsPerSecond: null,
        firstStepMs: null,
        note: `its first step took over ${seconds(deadline - t0)}`,
      };
    }
    await first;
    const firstStepMs = o.now() - f0;
    const w0 = o.now();
    let steps = 0;
    while (steps < MIN_STEPS || o.now() < t0 + shareMs) {
      job.trainStep();
      await job.flush();
      steps++;
    }
    const stepsPerSecond = (steps * 1000) / Math.max(1e-3, o.now() - w0);
    return { name, stepsPerSecond: Number(stepsPerSecond.toPrecision(4)), firstStepMs, note: '' };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { name, stepsPerSecond: null, firstStepMs: null, note: `its step failed (${why})` };
  } finally {
    job?.dispose();
  }
}

/**
 * Times `plan.timed` in order, sharing `budgetMs` out as it goes (time one
 * leaves over goes to the next), and adds `plan.untimed` with their reasons.
 */
export async function timeBackends(
  plan: TimingPlan,
  o: TimeOptions & { onTiming?: (name: BackendName) => void; budgetMs?: number },
): Promise<Measured[]> {
  const budget = o.budgetMs ?? PROBE_BUDGET_MS;
  const end = o.now() + budget;
  const results: Measured[] = [];
  for (let i = 0; i < plan.timed.length; i++) {
    const { name, grace } = plan.timed[i]!;
    o.onTiming?.(name);
    const share = Math.max(0, end - o.now()) / (plan.timed.length - i);
    results.push(await timeBackend(name, share, grace ? GPU_FIRST_STEP_GRACE_MS : 0, o));
  }
  return [
    ...results,
    ...plan.untimed.map((u) => ({ ...u, stepsPerSecond: null, firstStepMs: null })),
  ];
}

/** The real thing: the app's backends, the article GAN's step, the clock. */
export function workerTiming(caps: Capabilities, options: ActivateOptions): TimeOptions {
  return {
    start: (name) => startBackend(name, caps, options),
    abandon: (name, job) => {
      // Losing the device stops the queued work; the buffers freed after it are dead anyway.
      if (tf.getBackend() === name) loseDeviceOnPurpose();
      try {
        job.dispose();
      } catch {
        // a destroyed device may refuse; its memory went with it
      }
      dropBackend(name);
    },
    makeJob: articleGanStep,
    now: () => performance.now(),
  };
}
