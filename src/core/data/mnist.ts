/**
 * Loads and checks the MNIST file built by datasets/mnist.mjs, splits it into
 * train and test sets with a fixed seed, and hands out batches.
 */
import { createRandom, permutation, type Random } from '../random';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
const FORMAT = 'demandlab-mnist';
const FORMAT_VERSION = 1;

/** The JSON manifest written beside mnist.bin. */
export interface MnistManifest {
  format: typeof FORMAT;
  version: number;
  source: string;
  file: string;
  count: number;
  width: number;
  height: number;
  labelsOffset: number;
  pixelsOffset: number;
  bytes: number;
  sha256: string;
}

/** The digits in memory: labels[i] in 0..9 and 784 pixel bytes per digit. */
export interface MnistData {
  count: number;
  labels: Uint8Array;
  pixels: Uint8Array;
  source: string;
}

export type DatasetErrorCode = 'missing' | 'manifest' | 'size' | 'checksum';

/** A data set problem the UI can explain; `code` says which check failed. */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

const REBUILD = 'Rebuild it with `npm run datasets`, then reload.';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Validates a parsed manifest.json; throws DatasetError('manifest') naming the bad field. */
export function parseManifest(json: unknown): MnistManifest {
  const bad = (what: string) =>
    new DatasetError('manifest', `The MNIST manifest is invalid: ${what}. ${REBUILD}`);
  if (!isRecord(json)) throw bad('it is not a JSON object');
  if (json.format !== FORMAT) throw bad(`format is ${JSON.stringify(json.format)}`);
  if (json.version !== FORMAT_VERSION)
    throw bad(`version ${String(json.version)} is not supported`);
  for (const key of ['count', 'width', 'height', 'labelsOffset', 'pixelsOffset', 'bytes']) {
    if (!nonNegInt(json[key])) throw bad(`"${key}" must be a non-negative integer`);
  }
  if (typeof json.file !== 'string' || !/^[\w.-]+$/.test(json.file))
    throw bad('"file" is not a plain file name');
  if (typeof json.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.sha256))
    throw bad('"sha256" is not a hex SHA-256');
  const m = json as unknown as MnistManifest;
  if (m.width !== MNIST_SIDE || m.height !== MNIST_SIDE)
    throw bad(`images are ${m.width}x${m.height}, not 28x28`);
  if (m.count === 0) throw bad('it holds no digits');
  if (m.labelsOffset + m.count > m.bytes || m.pixelsOffset + m.count * MNIST_PIXELS > m.bytes) {
    throw bad('its offsets point past the end of the file');
  }
  return { ...m, source: typeof json.source === 'string' ? json.source : 'unknown' };
}

/** Hex SHA-256 of bytes, with WebCrypto (browser, worker and node 20 alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks bytes against the manifest (length, checksum, label range) and views them as MnistData. */
export async function decodeMnist(manifest: MnistManifest, bytes: Uint8Array): Promise<MnistData> {
  if (bytes.byteLength !== manifest.bytes) {
    throw new DatasetError(
      'size',
      `The MNIST file is ${bytes.byteLength} bytes but the manifest says ${manifest.bytes}; ` +
        `it is truncated or from another build. ${REBUILD}`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== manifest.sha256) {
    throw new DatasetError(
      'checksum',
      `The MNIST file is corrupt: its SHA-256 is ${actual.slice(0, 12)}…, ` +
        `expected ${manifest.sha256.slice(0, 12)}…. ${REBUILD}`,
    );
  }
  const labels = bytes.subarray(manifest.labelsOffset, manifest.labelsOffset + manifest.count);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0)
    throw new DatasetError('checksum', `Digit ${bad} has label ${labels[bad]}. ${REBUILD}`);
  return {
    count: manifest.count,
    labels,
    pixels: bytes.subarray(
      manifest.pixelsOffset,
      manifest.pixelsOffset + manifest.count * MNIST_PIXELS,
    ),
    source: manifest.source,
  };
}

/** The subset of `fetch` the loader needs, so tests can serve files from memory. */
export type FetchLike = (url: string) => Promise<
  Pick<Response, 'ok' | 'status' | 'json' | 'arrayBuffer'> & {
    body?: ReadableStream<Uint8Array> | null;
  }
>;

/** Bytes read so far of a download whose size is known. */
export type OnBytes = (received: number, total: number) => void;

/**
 * Reads a body to its end, telling `onBytes` as it goes. The size comes from
 * the manifest, not Content-Length: a compressed transfer's length is not the
 * bytes the stream gives.
 */
async function readBody(
  res: Awaited<ReturnType<FetchLike>>,
  total: number,
  onBytes?: OnBytes,
): Promise<Uint8Array> {
  if (!onBytes || !res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onBytes(received, Math.max(total, received));
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Fetches manifest.json and the binary under `baseUrl` (ending in '/') and
 * checks both; `onBytes` follows the binary's download (8 MB).
 */
export async function loadMnist(
  baseUrl: string,
  fetchFn: FetchLike = fetch,
  onBytes?: OnBytes,
): Promise<MnistData> {
  const get = async (name: string) => {
    let res;
    try {
      res = await fetchFn(baseUrl + name);
    } catch (e) {
      throw new DatasetError('missing', `Could not fetch ${name}: ${String(e)}. ${REBUILD}`);
    }
    if (!res.ok) {
      throw new DatasetError(
        'missing',
        `The MNIST ${name} is missing (HTTP ${res.status}). ${REBUILD}`,
      );
    }
    return res;
  };
  let json: unknown;
  try {
    json = await (await get('manifest.json')).json();
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError('manifest', `The MNIST manifest is not valid JSON. ${REBUILD}`);
  }
  const manifest = parseManifest(json);
  const bytes = await readBody(await get(manifest.file), manifest.bytes, onBytes);
  return decodeMnist(manifest, bytes);
}

/** Indices of a train/test split. */
export interface Split {
  train: Uint32Array;
  test: Uint32Array;
}

/** The split every lab uses: 90/10, seed 20261124, unless a caller asks otherwise. */
export const DEFAULT_SPLIT = { testFraction: 0.1, seed: 20261124 } as const;

/**
 * A seeded random split of 0..count-1: the same seed gives the same split on
 * every machine; train and test are disjoint and cover every index once.
 */
export function splitTrainTest(
  count: number,
  seed: number = DEFAULT_SPLIT.seed,
  testFraction: number = DEFAULT_SPLIT.testFraction,
): Split {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError('testFraction must be in (0, 1)');
  const order = permutation(count, createRandom(seed));
  const nTest = Math.round(count * testFraction);
  return { test: order.slice(0, nTest), train: order.slice(nTest) };
}

/** A batch gathered on the CPU: pixels scaled to [0, 1] and labels, ready for tf.tensor. */
export interface MnistBatch {
  indices: Uint32Array;
  x: Float32Array;
  y: Int32Array;
}

/** Draws `size` random indices from `pool` (with replacement) and gathers their pixels. */
export function sampleBatch(
  data: MnistData,
  pool: Uint32Array,
  size: number,
  rng: Random,
): MnistBatch {
  const indices = new Uint32Array(size);
  for (let i = 0; i < size; i++) indices[i] = pool[rng.int(pool.length)]!;
  return gatherBatch(data, indices);
}

/** Gathers the digits at `indices`. */
export function gatherBatch(data: MnistData, indices: Uint32Array): MnistBatch {
  const x = new Float32Array(indices.length * MNIST_PIXELS);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    y[i] = data.labels[k]!;
    const src = data.pixels.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS);
    for (let p = 0; p < MNIST_PIXELS; p++) x[i * MNIST_PIXELS + p] = src[p]! / 255;
  }
  return { indices, x, y };
}
