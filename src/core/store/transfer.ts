/**
 * A session as one file, and back. Export writes a zip (fflate): a JSON
 * manifest, the checkpoint's bytes and one file per sample, and the manifest
 * records each file's SHA-256. Import checks everything before anything is
 * written: the zip's directory (zip-read.ts: no duplicates or overlaps), the
 * manifest first, then only the files it names, each inflated with its size
 * counted against the limits and checked against its CRC-32 and its SHA-256
 * (files from before the hashes have their CRCs checked); the manifest's
 * shape (valibot, strict objects, no `__proto__`-like keys), the lab's
 * config, the tensors (unique names, laid end to end, shapes that fit the
 * bytes, finite values), every sample's size. It always imports as a new
 * session, in one transaction, and any rejection says why.
 */
import { strFromU8, strToU8, zipSync } from 'fflate';
import * as v from 'valibot';
import { CheckpointError, loaded, unpackCheckpoint, type LoadedRecord } from './checkpoint';
import {
  LAB_KINDS,
  type CheckpointRecord,
  type Json,
  type LabKind,
  type MetricHistory,
  type SampleRecord,
} from './schema';
import { withNewIds, type DeletedSession } from './session-records';
import type { SessionStore } from './sessions';
import { jsonProblem } from './json-check';
import { listZip, readEntry, ZipError, type ZipEntry } from './zip-read';

export const FORMAT = 'demandlab-session';
/** Version 2 adds each file's SHA-256 to the manifest; version 1 files still import. */
export const FORMAT_VERSION = 2;
/**
 * Limits, in bytes, set from the largest session the labs can make, with
 * room to spare. Measured (tests/unit/store/max-sessions.test.ts): four DQNs
 * at the largest network, replay, catalog and population save a 99 MB
 * checkpoint in a 30 MB file (7,288 tensors); four bandits or tabular agents
 * on the largest shop, 10-15 MB.
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024;
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** All the files the manifest names, once inflated. */
export const MAX_TOTAL_BYTES = 384 * 1024 * 1024;
const MAX_SAMPLES = 1000;
const MAX_SAMPLE_BYTES = 4096 * 4096 * 4;
const MAX_ENTRIES = 2 + MAX_SAMPLES;
/** Longest side of a tensor: a shape beyond it is not one a lab makes. */
const MAX_DIMENSION = 2 ** 31 - 1;

/** Why an import was refused, in words for the user. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const finite = v.pipe(v.number(), v.finite());
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const tensorIndex = v.strictObject({
  name,
  shape: v.pipe(v.array(v.pipe(count, v.maxValue(MAX_DIMENSION))), v.maxLength(8)),
  dtype: v.picklist(['float32', 'int32']),
  offset: count,
});

const sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const Manifest = v.strictObject({
  format: v.literal(FORMAT),
  version: v.picklist([1, FORMAT_VERSION]),
  /** SHA-256 of each file the manifest names (version 2 on). */
  hashes: v.optional(
    v.pipe(
      v.record(v.pipe(v.string(), v.maxLength(200)), sha256),
      v.check((h) => Object.keys(h).length <= MAX_ENTRIES, 'too many hashes'),
    ),
  ),
  session: v.strictObject({
    name,
    lab: v.picklist(LAB_KINDS),
    config: v.unknown(),
    seed: v.pipe(v.number(), v.safeInteger()),
    backend: v.pipe(v.string(), v.maxLength(40)),
    step: count,
    createdAt: count,
  }),
  history: v.pipe(
    v.record(
      name,
      v.strictObject({
        x: v.array(finite),
        // JSON has no NaN: a gap in a curve is stored as null.
        y: v.array(v.nullable(finite)),
      }),
    ),
    v.check((h) => Object.keys(h).length <= 64, 'too many curves'),
  ),
  samples: v.pipe(
    v.array(
      v.strictObject({
        step: count,
        width: v.pipe(count, v.maxValue(4096)),
        height: v.pipe(count, v.maxValue(4096)),
        channels: v.picklist([1, 3, 4]),
        file: v.pipe(v.string(), v.regex(/^samples\/\d+\.bin$/)),
      }),
    ),
    v.maxLength(MAX_SAMPLES),
  ),
  checkpoint: v.nullable(
    v.strictObject({
      step: count,
      createdAt: count,
      weights: v.array(tensorIndex),
      optimizer: v.array(tensorIndex),
      rng: v.pipe(v.array(finite), v.maxLength(64)),
      extra: v.unknown(),
      file: v.literal('checkpoint.bin'),
    }),
  ),
});
type ManifestData = v.InferOutput<typeof Manifest>;
type ManifestTensor = v.InferOutput<typeof tensorIndex>;

/** The session as a zip file's bytes. */
export async function exportSession(store: SessionStore, id: string): Promise<Uint8Array> {
  const d = await store.read(id);
  const files: Record<string, Uint8Array> = {};
  const c = d.checkpoints[0];
  const history: Record<string, { x: number[]; y: (number | null)[] }> = {};
  for (const [k, s] of Object.entries(d.history?.metrics ?? {}))
    history[k] = { x: s.x, y: s.y.map((y) => (Number.isFinite(y) ? y : null)) };
  const manifest: ManifestData = {
    format: FORMAT,
    version: FORMAT_VERSION,
    session: {
      name: d.session.name,
      lab: d.session.lab,
      config: d.session.config,
      seed: d.session.seed,
      backend: d.session.backend,
      step: d.session.step,
      createdAt: d.session.createdAt,
    },
    history,
    samples: d.samples.map((s) => {
      const file = `samples/${s.step}.bin`;
      files[file] = s.pixels;
      return {
        step: s.step,
        width: s.width,
        height: s.height,
        channels: s.channels as 1 | 3 | 4,
        file,
      };
    }),
    checkpoint: c
      ? {
          step: c.step,
          createdAt: c.createdAt,
          weights: c.weights,
          optimizer: c.optimizer,
          rng: c.rng,
          extra: c.extra,
          file: 'checkpoint.bin',
        }
      : null,
  };
  if (c) files['checkpoint.bin'] = new Uint8Array((await loaded(c)).data);
  manifest.hashes = {};
  for (const [file, bytes] of Object.entries(files)) manifest.hashes[file] = await sha256Hex(bytes);
  files['manifest.json'] = strToU8(JSON.stringify(manifest));
  return zipSync(files, { level: 6 });
}

/** A file's SHA-256 as the manifest records it (lower-case hex). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle)
    throw new Error('this page has no SHA-256 (it must be served over https or from localhost)');
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The file's zip directory and a reader for the files the manifest names:
 * each is read once, its size counted against `MAX_TOTAL_BYTES` as a whole,
 * its CRC-32 checked, and its SHA-256 when the manifest records one.
 */
function sessionZip(bytes: Uint8Array) {
  if (bytes.length > MAX_FILE_BYTES)
    throw new ImportError(`the file is ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}`);
  let entries: ZipEntry[];
  try {
    entries = listZip(bytes, MAX_ENTRIES);
  } catch (e) {
    throw new ImportError(
      e instanceof ZipError
        ? `this is not a DemandLab session file: ${e.message}`
        : `this is not a DemandLab session file (${String(e)})`,
    );
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  let total = 0;
  const read = (name: string, max: number): Uint8Array | null => {
    const entry = byName.get(name);
    if (!entry) return null;
    byName.delete(name); // a name listed twice in the manifest is read once
    total += entry.size;
    if (total > MAX_TOTAL_BYTES)
      throw new ImportError(`the files the manifest names come to over ${MAX_TOTAL_BYTES} bytes`);
    try {
      return readEntry(bytes, entry, max);
    } catch (e) {
      throw new ImportError(e instanceof ZipError ? e.message : String(e));
    }
  };
  return { read };
}

/** Checks a file's bytes against the SHA-256 the manifest records for it (version 2 files). */
async function checkHash(
  name: string,
  data: Uint8Array,
  hashes: Record<string, string> | undefined,
) {
  if (!hashes) return;
  const want = Object.hasOwn(hashes, name) ? hashes[name] : undefined;
  if (!want) throw new ImportError(`the manifest records no SHA-256 for ${name}`);
  if ((await sha256Hex(data)) !== want)
    throw new ImportError(
      `${name} does not match its SHA-256 in the manifest (the file was changed or damaged)`,
    );
}

/** Tensors laid end to end in the manifest's order, as packCheckpoint lays them: no gaps, no overlaps. */
function tensorLayoutProblem(tensors: ManifestTensor[], bytes: number): string | null {
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) return `two tensors are named ${t.name}`;
    names.add(t.name);
    if (t.offset !== offset) return `${t.name} starts at byte ${t.offset}, not ${offset}`;
    let n = 4;
    for (const d of t.shape) n *= d; // dimensions are bounded, so this stays exact until it passes `bytes`
    if (n > bytes - offset)
      return `${t.name}'s shape [${t.shape.join(', ')}] needs more bytes than the file holds`;
    offset += n;
  }
  return offset === bytes ? null : `the tensors fill ${offset} of checkpoint.bin's ${bytes} bytes`;
}

/**
 * Reads a lab's settings from a file: the config to store, with notes on
 * settings it dropped, or the problem in words. The settings layer owns the
 * check (settings/lab-configs.ts); the store takes it from its caller so
 * that it never imports the labs.
 */
export type ConfigCheck = (
  lab: LabKind,
  config: unknown,
) => { problem: null; config: Json; notes: string[] } | { problem: string };

/** A session file read and checked, ready to store; `notes` say what its settings lost. */
export interface ImportedSession extends DeletedSession {
  notes: string[];
}

/** Reads and checks a session file completely; nothing is written. */
export async function readSessionFile(
  bytes: Uint8Array,
  checkConfig: ConfigCheck,
): Promise<ImportedSession> {
  const zip = sessionZip(bytes);
  const raw = zip.read('manifest.json', MAX_MANIFEST_BYTES);
  if (!raw) throw new ImportError('the file has no manifest.json: not a DemandLab session');
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(raw));
  } catch {
    throw new ImportError('manifest.json is not valid JSON (the file may be damaged)');
  }
  const parsed = v.safeParse(Manifest, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new ImportError(
      `manifest.json is not a session${path ? ` (at ${path})` : ''}: ${issue.message}`,
    );
  }
  const m = parsed.output;
  if (m.version >= 2 && !m.hashes)
    throw new ImportError("manifest.json lacks the files' SHA-256 hashes");
  // The store refuses prototype keys itself, whatever config check its caller passes in.
  const jsonIssue = jsonProblem(m.checkpoint?.extra ?? null) ?? jsonProblem(m.session.config);
  if (jsonIssue) throw new ImportError(jsonIssue);
  const settings = checkConfig(m.session.lab, m.session.config);
  if (settings.problem !== null)
    throw new ImportError(`the ${m.session.lab} settings are not valid: ${settings.problem}`);
  for (const [k, s] of Object.entries(m.history))
    if (s.x.length !== s.y.length)
      throw new ImportError(`the curve ${k} has ${s.x.length} steps but ${s.y.length} values`);
  if (new Set(m.samples.map((s) => s.file)).size !== m.samples.length)
    throw new ImportError('two samples name the same file');

  const id = 'import';
  const samples: SampleRecord[] = [];
  for (const s of m.samples) {
    const pixels = zip.read(s.file, MAX_SAMPLE_BYTES);
    if (!pixels) throw new ImportError(`${s.file} is missing`);
    await checkHash(s.file, pixels, m.hashes);
    const want = s.width * s.height * s.channels;
    if (pixels.length !== want)
      throw new ImportError(
        `${s.file} has ${pixels.length} bytes; a ${s.width}×${s.height}×${s.channels} sample needs ${want}`,
      );
    samples.push({
      sessionId: id,
      step: s.step,
      width: s.width,
      height: s.height,
      channels: s.channels,
      pixels,
    });
  }
  if (new Set(samples.map((s) => s.step)).size !== samples.length)
    throw new ImportError('two samples share a step');

  const checkpoints: CheckpointRecord[] = [];
  if (m.checkpoint) {
    const c = m.checkpoint;
    const bin = zip.read('checkpoint.bin', MAX_CHECKPOINT_BYTES);
    if (!bin) throw new ImportError('checkpoint.bin is missing');
    await checkHash('checkpoint.bin', bin, m.hashes);
    const layout = tensorLayoutProblem([...c.weights, ...c.optimizer], bin.length);
    if (layout) throw new ImportError(`the checkpoint is damaged: ${layout}`);
    const record: LoadedRecord = {
      id: 'import-checkpoint',
      sessionId: id,
      step: c.step,
      createdAt: c.createdAt,
      weights: c.weights,
      optimizer: c.optimizer,
      data: bin.buffer as ArrayBuffer,
      rng: c.rng,
      extra: (c.extra ?? null) as Json,
    };
    try {
      unpackCheckpoint(record); // lengths and finite values
    } catch (e) {
      throw new ImportError(
        e instanceof CheckpointError ? `the checkpoint is damaged: ${e.message}` : String(e),
      );
    }
    checkpoints.push(record);
  }
  const metrics: MetricHistory = {};
  for (const [k, s] of Object.entries(m.history))
    metrics[k] = { x: s.x, y: s.y.map((y) => y ?? NaN) };
  return {
    session: {
      id,
      ...m.session,
      config: settings.config,
      checkpointId: checkpoints[0]?.id ?? null,
      updatedAt: m.session.createdAt,
    },
    history: { sessionId: id, metrics },
    samples,
    checkpoints,
    notes: settings.notes,
  };
}

/** What the import worker sends back: the file read and checked, or why it was refused. */
export type SessionFileReply =
  { type: 'read'; session: ImportedSession } | { type: 'refused'; message: string };

/** Stores a session read by readSessionFile as a new session, in one transaction. */
export async function storeImported(store: SessionStore, d: DeletedSession) {
  const fresh = withNewIds(d, d.session.name);
  await store.putAll(fresh);
  return fresh.session;
}

/** Imports a session file as a new session; throws an ImportError (database untouched) when it is refused. */
export async function importSession(
  store: SessionStore,
  bytes: Uint8Array,
  checkConfig: ConfigCheck,
) {
  return storeImported(store, await readSessionFile(bytes, checkConfig));
}
