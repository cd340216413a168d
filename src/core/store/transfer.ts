/**
 * A session as one file, and back. Export writes a zip (fflate): a JSON
 * manifest, the checkpoint's bytes and one file per sample. Import checks
 * everything before anything is written: the size of the file and of each
 * entry, the manifest's shape (valibot, strict objects, no `__proto__`-like
 * keys), the lab's config, every tensor's byte length against its shape and
 * its values, every sample's size. It always imports as a new session, in
 * one transaction, and any rejection says why.
 */
import { strFromU8, strToU8, unzipSync, zipSync, type Unzipped } from 'fflate';
import * as v from 'valibot';
import {
  CheckpointError,
  elementsOf,
  loaded,
  unpackCheckpoint,
  type LoadedRecord,
} from './checkpoint';
import type { CheckpointRecord, Json, LabKind, MetricHistory, SampleRecord } from './schema';
import { withNewIds, type DeletedSession } from './session-records';
import type { SessionStore } from './sessions';

export const FORMAT = 'demandlab-session';
export const FORMAT_VERSION = 1;
/** Largest file accepted, and largest single entry once inflated. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
const MAX_SAMPLES = 1000;
const MAX_TENSORS = 2000;
const MAX_JSON_DEPTH = 12;

/** Why an import was refused, in words for the user. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON value with no prototype-polluting keys and a bounded depth. */
function jsonProblem(value: unknown, depth = 0): string | null {
  if (depth > MAX_JSON_DEPTH) return 'the config nests too deep';
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'a number is not finite';
  if (Array.isArray(value)) {
    for (const x of value) {
      const p = jsonProblem(x, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k)) return `the key "${k}" is not allowed`;
      const p = jsonProblem(x, depth + 1);
      if (p) return p;
    }
    return null;
  }
  return 'the config holds something that is not JSON';
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const finite = v.pipe(v.number(), v.finite());
const name = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const tensorIndex = v.strictObject({
  name,
  shape: v.pipe(v.array(count), v.maxLength(8)),
  dtype: v.picklist(['float32', 'int32']),
  offset: count,
});

const Manifest = v.strictObject({
  format: v.literal(FORMAT),
  version: v.literal(FORMAT_VERSION),
  session: v.strictObject({
    name,
    lab: v.picklist(['demo', 'gan', 'recsys']),
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
      weights: v.pipe(v.array(tensorIndex), v.maxLength(MAX_TENSORS)),
      optimizer: v.pipe(v.array(tensorIndex), v.maxLength(MAX_TENSORS)),
      rng: v.pipe(v.array(finite), v.maxLength(64)),
      extra: v.unknown(),
      file: v.literal('checkpoint.bin'),
    }),
  ),
});
type ManifestData = v.InferOutput<typeof Manifest>;

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
  files['manifest.json'] = strToU8(JSON.stringify(manifest));
  return zipSync(files, { level: 6 });
}

function unzip(bytes: Uint8Array): Unzipped {
  if (bytes.length > MAX_FILE_BYTES)
    throw new ImportError(`the file is ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}`);
  let problem: string | null = null;
  let files: Unzipped;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        const allowed =
          f.name === 'manifest.json' ||
          f.name === 'checkpoint.bin' ||
          /^samples\/\d+\.bin$/.test(f.name);
        if (!allowed) problem ??= `the file holds an unexpected entry "${f.name}"`;
        else if (f.originalSize > MAX_ENTRY_BYTES) problem ??= `${f.name} is too large`;
        return allowed && f.originalSize <= MAX_ENTRY_BYTES;
      },
    });
  } catch (e) {
    throw new ImportError(
      `this is not a DemandLab session file (not a readable zip: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (problem) throw new ImportError(problem);
  return files;
}

/**
 * Checks a lab's settings read from a file: the problem in words, or null.
 * The settings layer owns the check (settings/lab-configs.ts); the store takes
 * it from its caller so that it never imports the labs.
 */
export type ConfigCheck = (lab: LabKind, config: unknown) => string | null;

/** Reads and checks a session file completely; nothing is written. */
export function readSessionFile(bytes: Uint8Array, checkConfig: ConfigCheck): DeletedSession {
  const files = unzip(bytes);
  const raw = files['manifest.json'];
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
  const jsonIssue = jsonProblem(m.session.config) ?? jsonProblem(m.checkpoint?.extra ?? null);
  if (jsonIssue) throw new ImportError(jsonIssue);
  const configIssue = checkConfig(m.session.lab, m.session.config);
  if (configIssue)
    throw new ImportError(`the ${m.session.lab} settings are not valid: ${configIssue}`);
  for (const [k, s] of Object.entries(m.history))
    if (s.x.length !== s.y.length)
      throw new ImportError(`the curve ${k} has ${s.x.length} steps but ${s.y.length} values`);

  const id = 'import';
  const samples: SampleRecord[] = m.samples.map((s) => {
    const pixels = files[s.file];
    if (!pixels) throw new ImportError(`${s.file} is missing`);
    const want = s.width * s.height * s.channels;
    if (pixels.length !== want)
      throw new ImportError(
        `${s.file} has ${pixels.length} bytes; a ${s.width}×${s.height}×${s.channels} sample needs ${want}`,
      );
    return {
      sessionId: id,
      step: s.step,
      width: s.width,
      height: s.height,
      channels: s.channels,
      pixels,
    };
  });
  if (new Set(samples.map((s) => s.step)).size !== samples.length)
    throw new ImportError('two samples share a step');

  const checkpoints: CheckpointRecord[] = [];
  if (m.checkpoint) {
    const c = m.checkpoint;
    const bin = files['checkpoint.bin'];
    if (!bin) throw new ImportError('checkpoint.bin is missing');
    const tensors = [...c.weights, ...c.optimizer];
    const need = tensors.reduce((n, t) => n + elementsOf(t.shape) * 4, 0);
    if (bin.length !== need)
      throw new ImportError(
        `checkpoint.bin has ${bin.length} bytes; its tensors' shapes need ${need}`,
      );
    const record: LoadedRecord = {
      id: 'import-checkpoint',
      sessionId: id,
      step: c.step,
      createdAt: c.createdAt,
      weights: c.weights,
      optimizer: c.optimizer,
      data: bin.slice().buffer,
      rng: c.rng,
      extra: (c.extra ?? null) as Json,
    };
    try {
      unpackCheckpoint(record); // offsets, lengths, finite values
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
      config: m.session.config as Json,
      checkpointId: checkpoints[0]?.id ?? null,
      updatedAt: m.session.createdAt,
    },
    history: { sessionId: id, metrics },
    samples,
    checkpoints,
  };
}

/** Imports a session file as a new session; throws an ImportError (database untouched) when it is refused. */
export async function importSession(
  store: SessionStore,
  bytes: Uint8Array,
  checkConfig: ConfigCheck,
) {
  const d = readSessionFile(bytes, checkConfig);
  const fresh = withNewIds(d, d.session.name);
  await store.putAll(fresh);
  return fresh.session;
}
