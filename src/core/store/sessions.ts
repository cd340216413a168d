/**
 * The one module that touches IndexedDB: saved sessions, their histories,
 * samples and checkpoints. Works in the page and in the worker (both have
 * IndexedDB). Writes that belong together happen in one transaction, so a
 * failure or a closed tab leaves the database as it was before the write.
 */
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import {
  CheckpointError,
  packCheckpoint,
  asStored,
  loadCheckpoint,
  type Checkpoint,
} from './checkpoint';
import {
  DB_NAME,
  DB_VERSION,
  upgrade,
  type LabKind,
  type MetricHistory,
  type SampleRecord,
  type SessionRecord,
  type StoreSchema,
} from './schema';
import {
  checkSample,
  newId,
  sizeOf,
  withNewIds,
  type DeletedSession,
  type NewSession,
  type OpenOptions,
  type RunProgress,
  type SavedRun,
  type SessionSummary,
  MAX_SAMPLES,
} from './session-records';

/**
 * Runs the writes of one transaction and waits for it to commit. Any error,
 * even one thrown synchronously by a request, aborts the transaction, so
 * none of its writes land: all of them or nothing.
 */
async function atomically(
  tx: IDBPTransaction<StoreSchema, StoreNames<StoreSchema>[], 'readwrite'>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
    await tx.done;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // Already aborted or finished by the error itself.
    }
    await tx.done.catch(() => {});
    throw e;
  }
}

export class SessionStore {
  private constructor(readonly db: IDBPDatabase<StoreSchema>) {}

  /** Opens (creating or upgrading) the database. Throws where IndexedDB is unavailable. */
  static async open(options: OpenOptions = {}): Promise<SessionStore> {
    if (typeof indexedDB === 'undefined')
      throw new Error('IndexedDB is not available here (a private window, or storage is off)');
    const db = await openDB<StoreSchema>(options.name ?? DB_NAME, DB_VERSION, {
      // A failed migration aborts the upgrade: the database stays at its old version, data intact.
      upgrade: (database, oldVersion, _new, tx) =>
        void upgrade(database, oldVersion, tx).catch(() => tx.abort()),
      blocked: () => options.onBlocked?.(),
      blocking: () => {
        // Let the newer version open; this tab is told and must reopen.
        db.close();
        options.onVersionChange?.();
      },
    });
    return new SessionStore(db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Saves a run's progress atomically: the new checkpoint, the curves up to
   * its step, the latest sample and the session's settings and step, in one
   * transaction, dropping the previous checkpoint. A failure (a full disk, a
   * NaN weight) leaves the session exactly as it was.
   */
  saveRun(id: string, run: RunProgress): Promise<SessionRecord> {
    return this.writeRun(id, null, run);
  }

  /** A new session with its first progress, in one transaction: a failure leaves nothing. */
  createRun(input: NewSession, run: RunProgress): Promise<SessionRecord> {
    return this.writeRun(newId(), input, run);
  }

  private async writeRun(
    id: string,
    input: NewSession | null,
    run: RunProgress,
  ): Promise<SessionRecord> {
    const record = packCheckpoint(run.checkpoint, {
      id: newId(),
      sessionId: id,
      createdAt: Date.now(),
    });
    const sample = run.sample && { ...run.sample, sessionId: id };
    if (sample) checkSample(sample);
    // IndexedDB would clone an ArrayBuffer of tens of megabytes (the article GAN's) on
    // this thread as it is written; a Blob it keeps by reference. Made after the checks
    // above, in a task of its own, so neither holds the page for long.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const stored = asStored(record);
    const tx = this.db.transaction(
      ['sessions', 'histories', 'samples', 'checkpoints'],
      'readwrite',
    );
    let saved: SessionRecord | null = null;
    await atomically(tx, async () => {
      const sessions = tx.objectStore('sessions');
      const session: SessionRecord | undefined = input
        ? { id, ...input, step: 0, checkpointId: null, createdAt: record.createdAt, updatedAt: 0 }
        : await sessions.get(id);
      if (!session) throw new Error(`there is no session ${id}`);
      await tx.objectStore('checkpoints').add(stored);
      await tx.objectStore('histories').put({ sessionId: id, metrics: run.metrics });
      if (sample) {
        const samples = tx.objectStore('samples');
        await samples.put(sample);
        const keys = await samples.index('sessionId').getAllKeys(id);
        if (keys.length > MAX_SAMPLES)
          for (let i = 1; i < keys.length - 1; i += 2) await samples.delete(keys[i]!);
      }
      saved = {
        ...session,
        checkpointBytes: sizeOf(record),
        config: run.config,
        backend: run.backend,
        checkpointId: record.id,
        step: record.step,
        updatedAt: record.createdAt,
      };
      await (input ? sessions.add(saved) : sessions.put(saved));
      if (session.checkpointId) await tx.objectStore('checkpoints').delete(session.checkpointId);
    });
    return saved!;
  }

  /** A saved run with its curves, samples and checkpoint (unpacked and checked). */
  async loadRun(id: string): Promise<SavedRun> {
    const d = await this.read(id);
    const record = d.checkpoints[0];
    if (d.session.checkpointId && !record)
      throw new CheckpointError(`session ${d.session.name} points at a missing checkpoint`);
    return {
      session: d.session,
      metrics: d.history?.metrics ?? {},
      samples: d.samples.sort((a, b) => a.step - b.step),
      checkpoint: record ? await loadCheckpoint(record) : null,
    };
  }

  /** Deletes a lab's unnamed autosaves, except those in `keep` (other tabs' own). */
  async deleteDrafts(lab: LabKind, keep: ReadonlySet<string>): Promise<number> {
    const drafts = (await this.db.getAll('sessions')).filter(
      (s) => s.draft && s.lab === lab && !keep.has(s.id),
    );
    for (const s of drafts) await this.delete(s.id);
    return drafts.length;
  }

  async create(input: NewSession): Promise<SessionRecord> {
    const now = Date.now();
    const session: SessionRecord = {
      id: newId(),
      ...input,
      step: 0,
      checkpointId: null,
      createdAt: now,
      updatedAt: now,
    };
    const tx = this.db.transaction(['sessions', 'histories'], 'readwrite');
    await Promise.all([
      tx.objectStore('sessions').add(session),
      tx.objectStore('histories').add({ sessionId: session.id, metrics: {} }),
      tx.done,
    ]);
    return session;
  }

  /**
   * Creates a session with its history (and samples) in one transaction:
   * a save that fails (a full disk) leaves no half-saved session behind.
   */
  async createWith(
    input: NewSession,
    content: { step: number; metrics: MetricHistory; samples?: Omit<SampleRecord, 'sessionId'>[] },
  ): Promise<SessionRecord> {
    const now = Date.now();
    const session: SessionRecord = {
      id: newId(),
      ...input,
      step: content.step,
      checkpointId: null,
      createdAt: now,
      updatedAt: now,
    };
    for (const x of content.samples ?? []) checkSample(x);
    await this.putAll({
      session,
      history: { sessionId: session.id, metrics: content.metrics },
      samples: (content.samples ?? []).map((x) => ({ ...x, sessionId: session.id })),
      checkpoints: [],
    });
    return session;
  }

  get(id: string): Promise<SessionRecord | undefined> {
    return this.db.get('sessions', id);
  }

  /** Every session, newest first, with the bytes each one holds. */
  async list(): Promise<SessionSummary[]> {
    const tx = this.db.transaction(['sessions', 'histories', 'samples', 'checkpoints']);
    const sessions = await tx.objectStore('sessions').index('updatedAt').getAll();
    const out: SessionSummary[] = [];
    for (const s of sessions.reverse()) {
      // Checkpoints can be tens of MB: their size is read from the session when it has it.
      const [history, samples, checkpoints] = await Promise.all([
        tx.objectStore('histories').get(s.id),
        tx.objectStore('samples').index('sessionId').getAll(s.id),
        s.checkpointBytes === undefined
          ? tx.objectStore('checkpoints').index('sessionId').getAll(s.id)
          : [],
      ]);
      const bytes =
        sizeOf(s) +
        sizeOf(history) +
        samples.reduce((n, r) => n + sizeOf(r), 0) +
        (s.checkpointBytes ?? checkpoints.reduce((n, r) => n + sizeOf(r), 0));
      out.push({ ...s, bytes, samples: samples.length });
    }
    await tx.done;
    return out;
  }

  /** Changes a session's small fields (name, config, step, backend, draft). */
  async update(
    id: string,
    change: Partial<Pick<SessionRecord, 'name' | 'config' | 'step' | 'backend' | 'draft'>>,
  ): Promise<SessionRecord> {
    const tx = this.db.transaction('sessions', 'readwrite');
    const s = await tx.store.get(id);
    if (!s) throw new Error(`there is no session ${id}`);
    const next = { ...s, ...change, updatedAt: Date.now() };
    await tx.store.put(next);
    await tx.done;
    return next;
  }

  rename(id: string, name: string): Promise<SessionRecord> {
    const trimmed = name.trim();
    if (!trimmed) return Promise.reject(new Error('a session needs a name'));
    // A name is what keeps an autosaved draft.
    return this.update(id, { name: trimmed, draft: false });
  }

  async saveHistory(id: string, metrics: MetricHistory): Promise<void> {
    const tx = this.db.transaction(['sessions', 'histories'], 'readwrite');
    if (!(await tx.objectStore('sessions').getKey(id))) {
      tx.abort();
      throw new Error(`there is no session ${id}`);
    }
    await tx.objectStore('histories').put({ sessionId: id, metrics });
    await tx.done;
  }

  async history(id: string): Promise<MetricHistory> {
    return (await this.db.get('histories', id))?.metrics ?? {};
  }

  async addSample(sample: SampleRecord): Promise<void> {
    checkSample(sample);
    await this.db.put('samples', sample);
  }

  samples(id: string): Promise<SampleRecord[]> {
    return this.db.getAllFromIndex('samples', 'sessionId', id);
  }

  /** Frees space: deletes a session's samples before `beforeStep` (all of them by default). */
  async deleteSamples(id: string, beforeStep = Infinity): Promise<number> {
    const tx = this.db.transaction('samples', 'readwrite');
    let n = 0;
    let cursor = await tx.store.index('sessionId').openCursor(id);
    while (cursor) {
      if (cursor.value.step < beforeStep) {
        await cursor.delete();
        n++;
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    return n;
  }

  /** The session's current checkpoint, unpacked and checked, or null. */
  async checkpoint(id: string): Promise<Checkpoint | null> {
    const session = await this.get(id);
    if (!session?.checkpointId) return null;
    const record = await this.db.get('checkpoints', session.checkpointId);
    if (!record)
      throw new CheckpointError(`session ${session.name} points at a missing checkpoint`);
    return loadCheckpoint(record);
  }

  /** Deletes a session and all it holds, returning it all for Undo. */
  async delete(id: string): Promise<DeletedSession> {
    const tx = this.db.transaction(
      ['sessions', 'histories', 'samples', 'checkpoints'],
      'readwrite',
    );
    const session = await tx.objectStore('sessions').get(id);
    if (!session) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new Error(`there is no session ${id}`);
    }
    const history = await tx.objectStore('histories').get(id);
    const samples = await tx.objectStore('samples').index('sessionId').getAll(id);
    const checkpoints = await tx.objectStore('checkpoints').index('sessionId').getAll(id);
    await tx.objectStore('sessions').delete(id);
    await tx.objectStore('histories').delete(id);
    for (const s of samples) await tx.objectStore('samples').delete([id, s.step]);
    for (const c of checkpoints) await tx.objectStore('checkpoints').delete(c.id);
    await tx.done;
    return { session, history, samples, checkpoints };
  }

  /** Puts a deleted session back exactly as it was (Undo). */
  async restore(d: DeletedSession): Promise<void> {
    await this.putAll(d);
  }

  /** Writes a whole session in one transaction (restore, duplicate, import). */
  async putAll(d: DeletedSession): Promise<void> {
    const tx = this.db.transaction(
      ['sessions', 'histories', 'samples', 'checkpoints'],
      'readwrite',
    );
    await atomically(tx, async () => {
      // Requests are queued one by one, each watched at once: if a later one throws,
      // the earlier ones' abort errors are not left unhandled.
      const pending: Promise<unknown>[] = [];
      const queue = (p: Promise<unknown>) => {
        p.catch(() => {});
        pending.push(p);
      };
      queue(tx.objectStore('sessions').add(d.session));
      queue(tx.objectStore('histories').put(d.history ?? { sessionId: d.session.id, metrics: {} }));
      for (const x of d.samples) queue(tx.objectStore('samples').add(x));
      for (const c of d.checkpoints) queue(tx.objectStore('checkpoints').add(c));
      await Promise.all(pending);
    });
  }

  /** Everything a session holds (export, duplicate). */
  async read(id: string): Promise<DeletedSession> {
    const tx = this.db.transaction(['sessions', 'histories', 'samples', 'checkpoints']);
    const session = await tx.objectStore('sessions').get(id);
    if (!session) throw new Error(`there is no session ${id}`);
    const [history, samples, current] = await Promise.all([
      tx.objectStore('histories').get(id),
      tx.objectStore('samples').index('sessionId').getAll(id),
      session.checkpointId ? tx.objectStore('checkpoints').get(session.checkpointId) : undefined,
    ]);
    await tx.done;
    return { session, history, samples, checkpoints: current ? [current] : [] };
  }

  /** A copy of a session under a new id and name, with its current checkpoint. */
  async duplicate(id: string, name?: string): Promise<SessionRecord> {
    const d = await this.read(id);
    const copy = withNewIds(d, name ?? `${d.session.name} (copy)`);
    await this.putAll(copy);
    return copy.session;
  }
}
