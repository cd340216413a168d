/**
 * The IndexedDB schema of saved sessions, with its versions and migrations.
 * One database, four stores:
 *
 * - `sessions`: what a session is (name, lab, settings, seed, backend, step)
 *   and which checkpoint is its current one. Small, rewritten often.
 * - `histories`: each session's metric curves, one record per session.
 * - `samples`: snapshots a lab shows (sample grids), one record per step.
 * - `checkpoints`: everything needed to resume: weights, optimizer state and
 *   random-generator state, packed into one ArrayBuffer with an index.
 *
 * Version 1 kept the history inside the session record, so every save of a
 * session's small fields rewrote its whole history; version 2 moves it to its
 * own store. `upgrade` walks any older database forward one version at a time.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

export const DB_NAME = 'demandlab';
export const DB_VERSION = 2;

/**
 * The labs that save sessions. `log-model` is the recommender lab's models
 * panel: one of the source's models training on a log.
 */
export const LAB_KINDS = ['demo', 'gan', 'recsys', 'log-model'] as const;
export type LabKind = (typeof LAB_KINDS)[number];

/** JSON as it is stored: what a lab's settings object must be. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SessionRecord {
  id: string;
  name: string;
  lab: LabKind;
  /** The lab's settings object (the one the URL and exports carry). */
  config: Json;
  seed: number;
  /** The backend the session last trained on (resuming elsewhere may differ slightly). */
  backend: string;
  /** Training steps done at the current checkpoint (or of the history, without one). */
  step: number;
  /** The current checkpoint, or null before the first one. */
  checkpointId: string | null;
  /**
   * An autosaved run nobody has named yet. A lab keeps one per tab and
   * drops it when it starts a new run; naming it ("Save session") keeps it.
   * Absent on sessions saved before autosave existed.
   */
  draft?: boolean;
  /** Stored size of the current checkpoint, so listing sessions need not read it. */
  checkpointBytes?: number;
  createdAt: number;
  updatedAt: number;
}

/** Named curves: x and y as parallel arrays. */
export type MetricHistory = Record<string, { x: number[]; y: number[] }>;

export interface HistoryRecord {
  sessionId: string;
  metrics: MetricHistory;
}

export interface SampleRecord {
  sessionId: string;
  step: number;
  width: number;
  height: number;
  channels: number;
  /** Pixel bytes, row-major, `channels` per pixel. */
  pixels: Uint8Array;
}

/** Where one tensor lies in a checkpoint's buffer. */
export interface TensorIndex {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset into `data`, a multiple of 4. */
  offset: number;
}

export interface CheckpointRecord {
  id: string;
  sessionId: string;
  step: number;
  createdAt: number;
  /** Model weights, then optimizer state, all in `data`. */
  weights: TensorIndex[];
  optimizer: TensorIndex[];
  /**
   * The bytes. Written as a Blob since 2026-11-30: IndexedDB then keeps a
   * reference instead of cloning tens of megabytes on the page's thread.
   * Older records and imports hold an ArrayBuffer; both are read.
   */
  data: ArrayBuffer | Blob;
  /** The random generator's state, so a resumed run draws what an unbroken one would. */
  rng: number[];
  /** Anything else the job needs to resume (counters, schedules), as JSON. */
  extra: Json;
}

export interface StoreSchema extends DBSchema {
  sessions: { key: string; value: SessionRecord; indexes: { updatedAt: number } };
  histories: { key: string; value: HistoryRecord };
  samples: { key: [string, number]; value: SampleRecord; indexes: { sessionId: string } };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { sessionId: string } };
}

/** The version-1 session record, which carried its history inline. */
interface SessionRecordV1 extends SessionRecord {
  history?: MetricHistory;
}

type UpgradeTx = IDBPTransaction<StoreSchema, StoreNames<StoreSchema>[], 'versionchange'>;

/** Builds the version-1 layout (kept for migration tests and old databases). */
export function createV1(db: IDBPDatabase<StoreSchema>): void {
  const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
  sessions.createIndex('updatedAt', 'updatedAt');
  db.createObjectStore('samples', { keyPath: ['sessionId', 'step'] }).createIndex(
    'sessionId',
    'sessionId',
  );
  db.createObjectStore('checkpoints', { keyPath: 'id' }).createIndex('sessionId', 'sessionId');
}

/** Version 1 → 2: histories move out of the session records into their own store. */
async function toV2(db: IDBPDatabase<StoreSchema>, tx: UpgradeTx): Promise<void> {
  db.createObjectStore('histories', { keyPath: 'sessionId' });
  const histories = tx.objectStore('histories');
  let cursor = await tx.objectStore('sessions').openCursor();
  while (cursor) {
    const { history, ...rest } = cursor.value as SessionRecordV1;
    await histories.put({ sessionId: rest.id, metrics: history ?? {} });
    await cursor.update(rest);
    cursor = await cursor.continue();
  }
}

/** Brings a database from `oldVersion` to DB_VERSION, one step at a time. */
export async function upgrade(
  db: IDBPDatabase<StoreSchema>,
  oldVersion: number,
  tx: UpgradeTx,
): Promise<void> {
  if (oldVersion < 1) createV1(db);
  if (oldVersion < 2) await toV2(db, tx);
}
