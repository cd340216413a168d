/** The storage layer's public API: everything else in the app imports from here. */
export { CheckpointError, packCheckpoint, unpackCheckpoint } from './checkpoint';
export type { Checkpoint, CheckpointInput, NamedTensor } from './checkpoint';
export { isQuotaError, storageHealth, type StorageHealth } from './health';
export { labConfigProblem } from './lab-configs';
export { DB_NAME, DB_VERSION } from './schema';
export type { Json, LabKind, MetricHistory, SampleRecord, SessionRecord } from './schema';
export { SessionStore, type DeletedSession, type SessionSummary } from './sessions';
export { modelTensors, optimizerTensors, setModelTensors, setOptimizerTensors } from './tf-state';
export { exportSession, ImportError, importSession, readSessionFile } from './transfer';
