/**
 * What a session is made of as the store hands it out and takes it in, and
 * the pure helpers on those records (fresh ids, stored size, sample checks).
 */
import type { Checkpoint, CheckpointInput } from './checkpoint';
import type {
  CheckpointRecord,
  HistoryRecord,
  Json,
  LabKind,
  MetricHistory,
  SampleRecord,
  SessionRecord,
} from './schema';

export interface NewSession {
  name: string;
  lab: LabKind;
  config: Json;
  seed: number;
  backend: string;
  draft?: boolean;
}

/** A run's progress, saved as one: where it is, its curves, its state and its latest sample. */
export interface RunProgress {
  config: Json;
  backend: string;
  metrics: MetricHistory;
  checkpoint: CheckpointInput;
  sample?: Omit<SampleRecord, 'sessionId'>;
}

/** Everything needed to show a saved run and continue it. */
export interface SavedRun {
  session: SessionRecord;
  metrics: MetricHistory;
  samples: SampleRecord[];
  checkpoint: Checkpoint | null;
}

/** A session as the sessions view lists it, with the bytes it holds. */
export interface SessionSummary extends SessionRecord {
  bytes: number;
  /** Sample grids kept (they can be freed to make room). */
  samples: number;
}

/** Sample grids kept per session; past this, every other one in the middle goes. */
export const MAX_SAMPLES = 64;

/** Everything a deleted session had, so Undo can put it back as it was. */
export interface DeletedSession {
  session: SessionRecord;
  history: HistoryRecord | undefined;
  samples: SampleRecord[];
  checkpoints: CheckpointRecord[];
}

export interface OpenOptions {
  name?: string;
  /** Another tab holds an older version open; this one waits until it closes. */
  onBlocked?: () => void;
  /** This connection stands in the way of a newer version: it has been closed. */
  onVersionChange?: () => void;
}

export function newId(): string {
  return crypto.randomUUID();
}

/** Rough stored size of a value: the bytes of its binary parts plus its JSON. */
export function sizeOf(value: unknown): number {
  let bytes = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof ArrayBuffer) {
      bytes += v.byteLength;
      return undefined;
    }
    if (v instanceof Blob) {
      bytes += v.size;
      return undefined;
    }
    if (ArrayBuffer.isView(v)) {
      bytes += v.byteLength;
      return undefined;
    }
    return v;
  });
  return bytes + (json?.length ?? 0);
}

export function checkSample(x: Omit<SampleRecord, 'sessionId'>): void {
  const n = x.width * x.height * x.channels;
  if (x.pixels.length !== n)
    throw new Error(`a ${x.width}×${x.height}×${x.channels} sample needs ${n} bytes`);
}

/** The same session under fresh ids (duplicate, import: never overwrite). */
export function withNewIds(d: DeletedSession, name: string): DeletedSession {
  const now = Date.now();
  const id = newId();
  const checkpoints = d.checkpoints.map((c) => ({ ...c, id: newId(), sessionId: id }));
  return {
    session: {
      ...d.session,
      id,
      name,
      draft: false,
      checkpointId: checkpoints[0]?.id ?? null,
      createdAt: now,
      updatedAt: now,
    },
    history: { sessionId: id, metrics: d.history?.metrics ?? {} },
    samples: d.samples.map((s) => ({ ...s, sessionId: id })),
    checkpoints,
  };
}
