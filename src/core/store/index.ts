/**
 * The storage layer's public API for the page and the worker. tfjs state
 * (tf-state.ts) is imported from its own module by the worker only, so the
 * page's bundle does not carry tfjs.
 */
export { CheckpointError, packCheckpoint, unpackCheckpoint } from './checkpoint';
export type { Checkpoint, CheckpointInput, NamedTensor } from './checkpoint';
export { isQuotaError, storageHealth, type StorageHealth } from './health';
export { DB_NAME, DB_VERSION } from './schema';
export type { Json, LabKind, MetricHistory, SampleRecord, SessionRecord } from './schema';
export { SessionStore } from './sessions';
export type {
  DeletedSession,
  NewSession,
  RunProgress,
  SavedRun,
  SessionSummary,
} from './session-records';
export {
  exportSession,
  ImportError,
  importSession,
  readSessionFile,
  storeImported,
  type ConfigCheck,
  type SessionFileReply,
} from './transfer';
