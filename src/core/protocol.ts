/**
 * The typed messages between the page and the training worker. Both sides
 * import only this module's types; `isToWorker` guards what the worker accepts.
 */
import type { BackendInfo, BackendName, BackendPreference } from './compute/backends';
import type { DemoConfig } from './demo/config';
import type { DemoSnapshot } from './demo/digit-classifier';
import type { GanConfig } from './gan/config';
import type { GanAnswer, GanImages, GanQuery, GanSnapshot } from './gan/snapshot';
import type { RecsysConfig } from './rl/lab/config';
import type { TabularGanConfig } from './gan/tabular-config';
import type { TabularData, TabularSnapshot } from './gan/tabular-snapshot';
import type { JobCheckpoint, JobProgress, JobState } from './jobs/job';
import type { CheckpointReason } from './jobs/runner';
import type { RacePolicies } from './rl/lab/race-policies';
import type { RecsysSnapshot } from './rl/lab/snapshot';
import type { LogModelConfig, LogModelSnapshot } from './rl/models/log-model-config';
import type { OwnLog } from './rl/models/log-source';
import type { TfjsModelFiles } from './store/tf-state';

export type { CheckpointReason, JobCheckpoint };

/**
 * A job the worker can run; later labs add their own kinds here. A GAN on
 * the user's own images (`config.dataset === 'own'`) brings them along.
 * `resume` continues a saved run: the job is built from the settings, then
 * takes the checkpoint's state. `paused` builds it without training yet.
 */
export type JobSpec = (
  | { kind: 'mnist-demo'; config: DemoConfig }
  | { kind: 'gan'; config: GanConfig; images?: GanImages }
  | { kind: 'recsys'; config: RecsysConfig }
  /** The synthetic-shoppers GAN: the feature table travels with the job. */
  | { kind: 'tabular-gan'; config: TabularGanConfig; data: TabularData }
  /** One of the source's recommender models on a log the worker writes or loads, or on yours (`log`). */
  | { kind: 'log-model'; config: LogModelConfig; log?: OwnLog }
) & { resume?: JobCheckpoint; paused?: boolean };

/** Everything a job reports while it runs, by kind. */
export type JobSnapshot =
  DemoSnapshot | GanSnapshot | RecsysSnapshot | TabularSnapshot | LogModelSnapshot;

export type { JobState };

/** Page -> worker. */
export type ToWorker =
  | {
      type: 'init';
      /** What the user asked for (`auto` or a backend name). */
      backend: BackendPreference;
      /** Backends this page already lost a device on; never tried again. */
      exclude: BackendName[];
      /** Absolute URL prefix of the self-hosted tfjs wasm binaries. */
      wasmPrefix: string;
      /** A cap on WASM threads from `?threads=`, or null for one per core. */
      wasmThreads?: number | null;
      /** Auto's timings remembered on this device (auto-choice.ts's AutoRecord[]; checked on arrival). */
      autoRecords?: unknown;
      /** Absolute URL prefix of the shipped data sets (…/data/). */
      dataUrl: string;
    }
  | { type: 'start'; jobId: number; spec: JobSpec }
  | { type: 'pause'; jobId: number }
  | { type: 'resume'; jobId: number }
  | { type: 'step'; jobId: number; steps: number }
  | { type: 'stop'; jobId: number }
  /** Caps training speed in steps per second; 0 lifts the cap. */
  | { type: 'throttle'; jobId: number; stepsPerSecond: number }
  /** Back to the last state whose losses were finite (after `diverged`, or any pause). */
  | { type: 'rollback'; jobId: number }
  /** Autosave every N steps and on pause (0: off); checkpoints come back as `checkpoint`. */
  | { type: 'autosave'; jobId: number; everySteps: number }
  /** A checkpoint of the job's full state now (or after the chunk in flight). */
  | { type: 'checkpoint'; jobId: number }
  /** The GAN's generator in TensorFlow.js format, for use elsewhere. */
  | { type: 'export-model'; jobId: number }
  /** New settings for the running job; ones that need a rebuild are refused. */
  | { type: 'configure'; jobId: number; config: GanConfig }
  /** A question about the current model (interpolation, samples of one digit). */
  | { type: 'query'; jobId: number; queryId: number; query: GanQuery }
  /** The race's agents as policies per segment, for "Evaluate on a log" (race-policies.ts). */
  | { type: 'policies'; jobId: number; queryId: number }
  /** Makes the GPU device lose itself for real, to show and test recovery. */
  | { type: 'lose-device' };

/** Worker -> page. */
export type FromWorker =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'init-failed'; message: string }
  | { type: 'job-state'; jobId: number; state: JobState; step: number; message?: string }
  | { type: 'snapshot'; jobId: number; snapshot: JobSnapshot }
  | { type: 'configured'; jobId: number; error: string | null }
  | { type: 'checkpoint'; jobId: number; reason: CheckpointReason; checkpoint: JobCheckpoint }
  | { type: 'checkpoint-failed'; jobId: number; message: string }
  | { type: 'model-files'; jobId: number; files: TfjsModelFiles | null; error: string | null }
  | {
      type: 'answer';
      jobId: number;
      queryId: number;
      answer: GanAnswer | null;
      error: string | null;
    }
  | {
      type: 'policies';
      jobId: number;
      queryId: number;
      policies: RacePolicies | null;
      error: string | null;
    }
  | { type: 'device-lost'; backend: BackendName; message: string }
  /** Auto is timing a training step on this backend (before `ready`). */
  | { type: 'backend-timing'; name: BackendName }
  /** Long work inside a job's step, or null when it is over. */
  | { type: 'job-progress'; jobId: number; progress: JobProgress | null }
  /** A data set downloading for a job: bytes so far of `total`. */
  | { type: 'dataset-progress'; name: string; received: number; total: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Sends a message with the buffers it should transfer rather than copy. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

const TYPES = new Set([
  'init',
  'start',
  'pause',
  'resume',
  'step',
  'stop',
  'rollback',
  'throttle',
  'autosave',
  'checkpoint',
  'export-model',
  'configure',
  'query',
  'policies',
  'lose-device',
]);

/** A shallow structural check: messages come from our own page, but a bad one must not crash the worker. */
export function isToWorker(msg: unknown): msg is ToWorker {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as Record<string, unknown>;
  if (typeof m.type !== 'string' || !TYPES.has(m.type)) return false;
  if (m.type === 'init') {
    return (
      typeof m.backend === 'string' &&
      Array.isArray(m.exclude) &&
      typeof m.wasmPrefix === 'string' &&
      typeof m.dataUrl === 'string' &&
      (m.wasmThreads == null || typeof m.wasmThreads === 'number')
    );
  }
  if (m.type === 'lose-device') return true;
  if (typeof m.jobId !== 'number') return false;
  if (m.type === 'step') return Number.isInteger(m.steps) && (m.steps as number) > 0;
  if (m.type === 'start') return typeof m.spec === 'object' && m.spec !== null;
  if (m.type === 'throttle')
    return typeof m.stepsPerSecond === 'number' && Number.isFinite(m.stepsPerSecond);
  if (m.type === 'autosave') return Number.isInteger(m.everySteps) && (m.everySteps as number) >= 0;
  if (m.type === 'configure') return typeof m.config === 'object' && m.config !== null;
  if (m.type === 'query')
    return typeof m.queryId === 'number' && typeof m.query === 'object' && m.query !== null;
  if (m.type === 'policies') return typeof m.queryId === 'number';
  return true;
}
