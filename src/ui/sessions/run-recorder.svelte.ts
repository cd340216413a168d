/**
 * Autosave for one lab's runs. The worker sends a checkpoint every N steps
 * and whenever the run pauses; this records it, with the lab's curves up to
 * that step, into the run's session in one transaction.
 *
 * A run nobody has named is a draft session: the first checkpoint creates
 * it, and the lab's next run in this tab replaces it. "Save session" names
 * it, and it is kept. This tab holds the lock of the session it writes (one
 * writer per session across tabs); a session another tab holds opens here
 * read-only.
 */
import type { FromWorker, JobCheckpoint } from '../../core/protocol';
import type {
  Json,
  LabKind,
  MetricHistory,
  SampleRecord,
  SavedRun,
  SessionStore,
  SessionSummary,
} from '../../core/store';
import { isQuotaError } from '../../core/store/health';
import type { JobControl } from '../common/job-control';
import { toasts } from '../common/toasts.svelte';
import { lockedSessions, tryLockSession, type SessionLock } from './session-lock';
import { saveFailure, type SessionsState } from './state.svelte';

/** What a lab tells the recorder about its run when a checkpoint arrives. */
export interface RunInfo {
  /** The name a new draft gets. */
  name: string;
  config: Json;
  seed: number;
  backend: string;
  metrics: MetricHistory;
  sample?: Omit<SampleRecord, 'sessionId'>;
}

/** Autosave cadences offered, in steps; 0 turns autosave off. */
export const AUTOSAVE_CHOICES = [0, 50, 200, 1000, 5000] as const;
const DEFAULT_EVERY = 200;
const EVERY_KEY = 'demandlab.autosaveEvery';

function storedEvery(): number {
  const v = Number(globalThis.localStorage?.getItem(EVERY_KEY));
  return (AUTOSAVE_CHOICES as readonly number[]).includes(v) &&
    globalThis.localStorage?.getItem(EVERY_KEY) !== null
    ? v
    : DEFAULT_EVERY;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class RunRecorder {
  /** The session this tab's run saves into; null until the first save. */
  session = $state.raw<{ id: string; name: string; draft: boolean } | null>(null);
  savedStep = $state<number | null>(null);
  savedAt = $state<number | null>(null);
  saving = $state(false);
  /** Why the last save failed (training goes on regardless), or null. */
  error = $state<string | null>(null);
  /** Set when the shown session is held by another tab: this tab only looks. */
  readOnly = $state<string | null>(null);
  /** A saved run of this lab that could be continued, offered on arrival. */
  offer = $state.raw<SessionSummary | null>(null);
  /** Autosave every N steps (and on pause); 0: off. */
  everySteps = $state(storedEvery());

  private lock: SessionLock | null = null;
  private pending: { checkpoint: JobCheckpoint; info: RunInfo } | null = null;
  /** The name Save session gave, announced once its checkpoint is written. */
  private announce: string | null = null;
  /** A session keep() created that has no checkpoint yet; undone if its first one fails. */
  private madeByKeep: string | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    readonly sessions: SessionsState,
    readonly lab: LabKind,
  ) {}

  /**
   * Calls `save` when the page is hidden (a tab switch, the window minimised,
   * often the moments before a tab is closed), so autosave does not wait for
   * its next N steps. The write may not finish if the tab is closing; the
   * previous checkpoint stays good either way.
   */
  saveWhenHidden(save: () => void): void {
    globalThis.document?.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden' && this.everySteps > 0 && !this.readOnly) save();
    });
  }

  setEvery(steps: number): void {
    this.everySteps = steps;
    globalThis.localStorage?.setItem(EVERY_KEY, String(steps));
  }

  /**
   * A new run starts: it is not saved anywhere yet, and unnamed autosaves of
   * this lab that no open tab holds (this tab's last one included) are dropped.
   */
  async newRun(): Promise<void> {
    this.detach();
    const store = await this.sessions.storeOrNull();
    if (!store) return;
    try {
      await store.deleteDrafts(this.lab, await lockedSessions());
      await this.sessions.refresh();
    } catch {
      // Old drafts linger until the next run; nothing is lost by that.
    }
  }

  /**
   * Links this tab to a saved session to continue it. False when another tab
   * holds it: `readOnly` then says so, and nothing here writes to it.
   */
  async attach(session: { id: string; name: string; draft?: boolean }): Promise<boolean> {
    this.detach();
    const lock = await tryLockSession(session.id);
    if (!lock) {
      this.readOnly = `“${session.name}” is open in another tab, which trains and saves it. This tab shows it read-only; close it there, or start a new run there, to continue it here.`;
      return false;
    }
    this.lock = lock;
    this.session = { id: session.id, name: session.name, draft: session.draft === true };
    return true;
  }

  /**
   * Whether this tab may continue a saved run: it has a training state and
   * no other tab holds it. Links to it when so; says why not otherwise.
   */
  async claim(run: SavedRun): Promise<boolean> {
    if (!run.checkpoint) {
      toasts.push('warn', `“${run.session.name}” has no saved training state: start it anew.`);
      return false;
    }
    return this.attach(run.session);
  }

  /** Forgets the link (and lets go of the lock). */
  detach(): void {
    this.lock?.release();
    this.lock = null;
    this.session = null;
    this.savedStep = null;
    this.savedAt = null;
    this.error = null;
    this.readOnly = null;
    this.offer = null;
  }

  /** Looks for this lab's newest saved run that no other tab holds, to offer it. */
  async findOffer(): Promise<void> {
    const store = await this.sessions.storeOrNull();
    if (!store) return;
    const held = await lockedSessions();
    await this.sessions.refresh();
    this.offer =
      this.sessions.list.find(
        (s) => s.lab === this.lab && s.checkpointId !== null && !held.has(s.id),
      ) ?? null;
  }

  /** Reads a saved run (curves, samples, checkpoint); null with a message on failure. */
  async load(id: string): Promise<SavedRun | null> {
    const store = await this.sessions.storeOrNull();
    if (!store) {
      toasts.push('error', this.sessions.unavailable ?? 'Saving is off in this browser.');
      return null;
    }
    try {
      return await store.loadRun(id);
    } catch (e) {
      toasts.push('error', `The saved run could not be read: ${message(e)}`);
      return null;
    }
  }

  /**
   * Records a checkpoint from the worker. Writes go one at a time; when
   * checkpoints come faster than the disk takes them, only the newest waits.
   */
  record(checkpoint: JobCheckpoint, info: RunInfo): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    this.pending = { checkpoint, info };
    this.writing ??= this.drain().finally(() => (this.writing = null));
    return this.writing;
  }

  /** Resolves when every checkpoint handed over so far is written (or failed). */
  settled(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    this.saving = true;
    while (this.pending) {
      const next = this.pending;
      this.pending = null;
      await this.write(next.checkpoint, next.info);
    }
    this.saving = false;
  }

  private async write(checkpoint: JobCheckpoint, info: RunInfo): Promise<void> {
    const store = await this.sessions.storeOrNull();
    if (!store) {
      this.fail(this.sessions.unavailable ?? 'Saving is off in this browser.');
      return;
    }
    try {
      const progress = {
        config: info.config,
        backend: info.backend,
        metrics: info.metrics,
        checkpoint,
        ...(info.sample && { sample: info.sample }),
      };
      // A session deleted in the sessions view while this run trains: the run becomes a new draft.
      if (this.session && !(await store.get(this.session.id))) {
        this.lock?.release();
        this.lock = null;
        this.session = null;
      }
      if (this.session) {
        await store.saveRun(this.session.id, progress);
      } else {
        const s = await store.createRun(
          {
            name: info.name,
            lab: this.lab,
            config: info.config,
            seed: info.seed,
            backend: info.backend,
            draft: true,
          },
          progress,
        );
        this.lock = await tryLockSession(s.id); // a new id: nobody else holds it
        this.session = { id: s.id, name: s.name, draft: true };
      }
      this.savedStep = checkpoint.step;
      this.savedAt = Date.now();
      this.error = null;
      this.madeByKeep = null;
      if (this.announce) {
        toasts.push(
          'info',
          `Saved as “${this.announce}”. It keeps saving as it trains; find it in Sessions.`,
        );
        this.announce = null;
      }
      // The sessions list is not re-read here: it reads every session, and autosave is frequent.
    } catch (e) {
      // The user's Save gets its own answer, even when autosave already said the same.
      if (this.announce !== null) await this.undoNamedSave(store, e);
      this.announce = null;
      this.fail(
        isQuotaError(e)
          ? 'Storage is full, so this run is not being saved. Training goes on, and what was saved before is kept: free space in Sessions (old sessions or their samples).'
          : `Autosave failed: ${message(e)}. Training goes on; what was saved before is kept.`,
      );
    }
  }

  /**
   * The first checkpoint of a run the user just named could not be written:
   * says so, and removes the session keep() made for it, which would hold
   * settings without a state to resume. A renamed autosave keeps its older state.
   */
  private async undoNamedSave(store: SessionStore, e: unknown): Promise<void> {
    const made = this.session && this.session.id === this.madeByKeep ? this.session.id : null;
    this.madeByKeep = null;
    if (!made) {
      // A draft that was renamed: the name stays on the state it already holds.
      toasts.push(
        'error',
        isQuotaError(e) && this.session
          ? `Named “${this.session.name}”, but the run’s latest state was not saved: the browser’s storage for DemandLab is full. The session keeps its state from step ${this.savedStep}; delete old sessions or their samples in Sessions, then save again.`
          : saveFailure(e),
      );
      return;
    }
    toasts.push('error', saveFailure(e));
    this.lock?.release();
    this.lock = null;
    this.session = null;
    await store.delete(made).catch(() => {});
    await this.sessions.refresh().catch(() => {});
  }

  private fail(text: string): void {
    if (this.error !== text) toasts.push('error', text);
    this.error = text;
  }

  /** Takes the worker's checkpoint messages for the lab's job; true when `msg` was one. */
  receive(msg: FromWorker, info: () => RunInfo): boolean {
    if (msg.type === 'checkpoint') {
      void this.record(msg.checkpoint, info());
      return true;
    }
    if (msg.type === 'checkpoint-failed') {
      this.announce = null;
      toasts.push('warn', `This run could not be saved: ${msg.message}`);
      return true;
    }
    return false;
  }

  /**
   * Save session: with the full training state while the lab's job lives
   * (`job`), else (the job has ended) its settings and curves only.
   */
  async keepRun(info: RunInfo, step: number, job: JobControl | null): Promise<void> {
    if (job) {
      // A session the user already named keeps its name; an autosave gets the run's.
      const name = this.session && !this.session.draft ? this.session.name : info.name;
      await this.keep(name, info, () => job.checkpoint());
      return;
    }
    await this.sessions.save({
      name: info.name,
      lab: this.lab,
      config: info.config,
      seed: info.seed,
      backend: info.backend,
      step,
      metrics: info.metrics,
      ...(info.sample && { sample: info.sample }),
    });
  }

  /**
   * Names the run so it is kept: a draft is renamed; a run not saved yet
   * becomes a new session, and its first checkpoint follows from the worker
   * (`requestCheckpoint`). Returns false (with a message) when saving is off.
   */
  async keep(name: string, info: RunInfo, requestCheckpoint: () => void): Promise<boolean> {
    const store = await this.sessions.storeOrNull();
    if (!store) {
      toasts.push('error', this.sessions.unavailable ?? 'Saving is off in this browser.');
      return false;
    }
    try {
      await this.settled();
      if (this.session) {
        const s = await store.update(this.session.id, { name, draft: false });
        this.session = { id: s.id, name: s.name, draft: false };
      } else {
        const s = await store.createWith(
          { name, lab: this.lab, config: info.config, seed: info.seed, backend: info.backend },
          { step: 0, metrics: info.metrics },
        );
        this.lock = await tryLockSession(s.id);
        this.session = { id: s.id, name: s.name, draft: false };
        this.madeByKeep = s.id;
      }
      this.announce = name;
      requestCheckpoint();
      await this.sessions.refresh();
      return true;
    } catch (e) {
      toasts.push('error', saveFailure(e));
      return false;
    }
  }
}
