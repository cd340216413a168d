/**
 * The page's side of saved sessions: opens the store once, keeps the list and
 * the storage health, and carries out what the sessions view and the labs'
 * Save buttons ask. Every failure becomes a message; nothing in a lab is lost
 * when a save fails (the lab keeps its state, and the user can free space and
 * save again).
 */
import type {
  MetricHistory,
  NewSession,
  SampleRecord,
  SessionFileReply,
  SessionStore,
  SessionSummary,
  StorageHealth,
} from '../../core/store';
import { isQuotaError } from '../../core/store/health';
import { download } from '../common/export-chart';
import { toasts } from '../common/toasts.svelte';
import { createImportWorker } from '../urls';

export interface SaveRequest extends NewSession {
  step: number;
  metrics: MetricHistory;
  /** The latest sample grid, when the lab draws one. */
  sample?: Omit<SampleRecord, 'sessionId'>;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why a save failed, for the user: a full disk gets what to do about it. */
export function saveFailure(e: unknown): string {
  return isQuotaError(e)
    ? 'The browser’s storage for DemandLab is full, so the session was not saved. Nothing else was lost: delete old sessions or their samples in Sessions, then save again.'
    : `The session could not be saved: ${message(e)}`;
}

/** Reads and checks a session file in the import worker (the bytes move there, not copied). */
function readInWorker(bytes: ArrayBuffer): Promise<SessionFileReply> {
  const worker = createImportWorker();
  return new Promise<SessionFileReply>((resolve) => {
    worker.onmessage = (e: MessageEvent<SessionFileReply>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({
        type: 'refused',
        message: `the file could not be read (${e.message || 'the reader stopped'})`,
      });
    };
    worker.postMessage(bytes, [bytes]);
  }).finally(() => worker.terminate());
}

/** The storage layer (idb, valibot, fflate) loads on first use, keeping the start page light. */
type StoreApi = typeof import('../../core/store');

export class SessionsState {
  list = $state.raw<SessionSummary[]>([]);
  health = $state.raw<StorageHealth | null>(null);
  /** Why saving is off (another tab upgraded the database, or no storage at all), or null. */
  unavailable = $state<string | null>(null);
  /** Set when sessions live only in this tab's memory (no usable IndexedDB), saying so. */
  memoryOnly = $state<string | null>(null);
  ready = $state(false);
  /** The ids ticked for comparison (at most two). */
  compare = $state<string[]>([]);

  private store: SessionStore | null = null;
  private api: StoreApi | null = null;
  private opening: Promise<void> | null = null;

  /** The open store, or null when saving is off (`unavailable` says why). */
  async storeOrNull(): Promise<SessionStore | null> {
    await this.init();
    return this.store;
  }

  /** Opens the store (once); safe to call from every view. */
  init(): Promise<void> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<void> {
    try {
      const api = (this.api = await import('../../core/store'));
      const options = {
        onBlocked: () =>
          toasts.push(
            'warn',
            'Another DemandLab tab holds an older version of the saved sessions open; close it to continue.',
          ),
        onVersionChange: () => {
          this.store = null;
          this.unavailable =
            'A newer DemandLab opened in another tab and updated the saved sessions. Reload this tab to keep saving.';
        },
      };
      try {
        this.store = await api.SessionStore.open(options);
      } catch (e) {
        // No usable IndexedDB: keep sessions in memory, and say plainly that they go with the tab.
        const { useMemoryIndexedDB } = await import('./memory-idb');
        await useMemoryIndexedDB();
        this.store = await api.SessionStore.open(options);
        this.memoryOnly = `This browser offers no storage to DemandLab (${message(e)}), so sessions are kept in this tab’s memory only: they are lost when it closes. Export the ones you want to keep.`;
        toasts.push('warn', this.memoryOnly);
      }
      await this.refresh();
    } catch (e) {
      this.unavailable = `Saving is off: ${message(e)}. The labs keep working; your runs live only in this tab.`;
    } finally {
      this.ready = true;
    }
  }

  /** Re-reads the list and the storage figures. */
  async refresh(): Promise<void> {
    if (!this.store) return;
    this.list = await this.store.list();
    this.health = this.memoryOnly
      ? null
      : ((await this.api?.storageHealth(globalThis.navigator?.storage)) ?? null);
  }

  /** Saving is possible, or not known to be impossible yet (the store opens on first use). */
  get canSave(): boolean {
    return this.unavailable === null;
  }

  /** Saves a lab's settings and curves as a new session; returns its id, or null (with a message). */
  async save(r: SaveRequest): Promise<string | null> {
    await this.init();
    const store = this.store;
    if (!store) {
      toasts.push('error', this.unavailable ?? 'Saving is off in this browser.');
      return null;
    }
    try {
      const session = await store.createWith(
        { name: r.name, lab: r.lab, config: r.config, seed: r.seed, backend: r.backend },
        { step: r.step, metrics: r.metrics, ...(r.sample && { samples: [r.sample] }) },
      );
      await this.refresh();
      toasts.push('info', `Saved “${r.name}”. It is in Sessions.`);
      return session.id;
    } catch (e) {
      toasts.push('error', saveFailure(e));
      return null;
    }
  }

  async rename(id: string, name: string): Promise<void> {
    await this.run(async (s) => {
      const renamed = await s.rename(id, name);
      toasts.push('info', `Renamed to “${renamed.name}”.`);
    }, 'rename');
  }

  /** Deletes a session, with an Undo button on the message. */
  async remove(id: string): Promise<void> {
    await this.run(async (s) => {
      const gone = await s.delete(id);
      this.compare = this.compare.filter((c) => c !== id);
      toasts.push('info', `Deleted “${gone.session.name}”.`, {
        label: 'Undo',
        run: () => void this.run((st) => st.restore(gone), 'undo the delete'),
      });
    }, 'delete');
  }

  async duplicate(id: string): Promise<void> {
    await this.run(async (s) => {
      await s.duplicate(id);
    }, 'duplicate');
  }

  async freeSamples(id: string): Promise<void> {
    await this.run(async (s) => {
      const n = await s.deleteSamples(id);
      toasts.push('info', `Deleted ${n} sample snapshot${n === 1 ? '' : 's'}.`);
    }, 'free space');
  }

  async exportOne(id: string): Promise<void> {
    await this.run(async (s) => {
      const session = this.list.find((x) => x.id === id);
      const bytes = await this.api!.exportSession(s, id);
      const safe = (session?.name ?? 'session').replace(/[^\w.-]+/g, '-').slice(0, 60);
      download(
        `${safe}.demandlab.zip`,
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      );
    }, 'export');
  }

  /**
   * Imports a session file as a new session. The file is read and checked in
   * a worker (the page never freezes on a large or hostile file); a refused
   * file is explained and changes nothing.
   */
  async importFile(file: File): Promise<void> {
    await this.run(async (s) => {
      const reply = await readInWorker(await file.arrayBuffer());
      if (reply.type === 'refused') throw new Error(reply.message);
      const session = await this.api!.storeImported(s, reply.session);
      const notes = reply.session.notes;
      toasts.push(
        notes.length > 0 ? 'warn' : 'info',
        [`Imported “${session.name}” as a new session.`, ...notes].join(' '),
      );
    }, `import ${file.name}`);
  }

  async metrics(id: string): Promise<MetricHistory> {
    await this.init();
    return (await this.store?.history(id)) ?? {};
  }

  toggleCompare(id: string): void {
    this.compare = this.compare.includes(id)
      ? this.compare.filter((c) => c !== id)
      : [...this.compare, id].slice(-2);
  }

  /** Runs a store action, then refreshes the list; failures become one clear message. */
  private async run(act: (s: SessionStore) => Promise<void>, what: string): Promise<void> {
    await this.init();
    const store = this.store;
    if (!store) {
      toasts.push('error', this.unavailable ?? 'Saving is off in this browser.');
      return;
    }
    try {
      await act(store);
    } catch (e) {
      toasts.push(
        'error',
        isQuotaError(e)
          ? `Could not ${what}: storage is full. Delete old sessions or samples to make room.`
          : `Could not ${what}: ${message(e)}`,
      );
    }
    await this.refresh().catch(() => {});
  }
}
