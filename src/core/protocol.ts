/**
 * The typed messages between the page and the training worker. Both sides
 * import only this module's types; `isToWorker` guards what the worker accepts.
 */
import type { BackendInfo, BackendName, BackendPreference } from './compute/backends';
import type { DemoConfig } from './demo/config';
import type { DemoSnapshot } from './demo/digit-classifier';

/** A job the worker can run; later labs add their own kinds here. */
export type JobSpec = { kind: 'mnist-demo'; config: DemoConfig };

/** Everything a job reports while it runs, by kind. */
export type JobSnapshot = DemoSnapshot;

export type JobState = 'starting' | 'running' | 'paused' | 'stopped' | 'failed';

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
      /** Absolute URL prefix of the shipped data sets (…/data/). */
      dataUrl: string;
    }
  | { type: 'start'; jobId: number; spec: JobSpec }
  | { type: 'pause'; jobId: number }
  | { type: 'resume'; jobId: number }
  | { type: 'step'; jobId: number; steps: number }
  | { type: 'stop'; jobId: number }
  /** Makes the GPU device lose itself for real, to show and test recovery. */
  | { type: 'lose-device' };

/** Worker -> page. */
export type FromWorker =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'init-failed'; message: string }
  | { type: 'job-state'; jobId: number; state: JobState; step: number; message?: string }
  | { type: 'snapshot'; jobId: number; snapshot: JobSnapshot }
  | { type: 'device-lost'; backend: BackendName; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Sends a message with the buffers it should transfer rather than copy. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

const TYPES = new Set(['init', 'start', 'pause', 'resume', 'step', 'stop', 'lose-device']);

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
      typeof m.dataUrl === 'string'
    );
  }
  if (m.type === 'lose-device') return true;
  if (typeof m.jobId !== 'number') return false;
  if (m.type === 'step') return Number.isInteger(m.steps) && (m.steps as number) > 0;
  if (m.type === 'start') return typeof m.spec === 'object' && m.spec !== null;
  return true;
}
