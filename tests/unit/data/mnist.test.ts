import { describe, expect, it } from 'vitest';
import { encodeMnist } from '../../../datasets/mnist.mjs';
import {
  DatasetError,
  MNIST_PIXELS,
  decodeMnist,
  gatherBatch,
  loadMnist,
  parseManifest,
  sampleBatch,
  splitTrainTest,
  type FetchLike,
} from '../../../src/core/data/mnist';
import { createRandom } from '../../../src/core/random';
import { realMnist } from '../helpers/mnist';

/** Two digits per class with recognisable pixel values. */
function tinyDataset() {
  const perDigit = Array.from({ length: 10 }, (_, d) =>
    Array.from(
      { length: 2 * MNIST_PIXELS },
      (_, i) => ((d * 2 + Math.floor(i / MNIST_PIXELS)) % 20) / 20,
    ),
  );
  return encodeMnist(perDigit, 'test');
}

function serve(files: Record<string, Uint8Array | string>): FetchLike {
  return async (url) => {
    const name = url.split('/').pop()!;
    const body = files[name];
    return {
      ok: body !== undefined,
      status: body === undefined ? 404 : 200,
      json: async () => JSON.parse(body as string),
      arrayBuffer: async () => (body as Uint8Array).slice().buffer,
    };
  };
}

async function rejection(p: Promise<unknown>): Promise<DatasetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return e as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('MNIST file', () => {
  it('round-trips through the encoder, the manifest and the loader', async () => {
    const { bin, manifest } = tinyDataset();
    expect(manifest.count).toBe(20);
    expect(manifest.bytes).toBe(20 * (1 + MNIST_PIXELS));
    const data = await loadMnist(
      'http://x/data/mnist/',
      serve({ 'manifest.json': JSON.stringify(manifest), 'mnist.bin': bin }),
    );
    expect(data.count).toBe(20);
    expect([...data.labels]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(data.pixels[3 * MNIST_PIXELS]).toBe(Math.round((3 / 20) * 255));
  });

  it('streams the binary, reporting the bytes read against the manifest size', async () => {
    const { bin, manifest } = tinyDataset();
    const serveFile = serve({ 'manifest.json': JSON.stringify(manifest), 'mnist.bin': bin });
    // The binary arrives in 1,000-byte chunks, as a network would deliver it.
    const chunked: FetchLike = async (url) => {
      const res = await serveFile(url);
      if (!url.endsWith('.bin')) return res;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let at = 0; at < bin.length; at += 1000) c.enqueue(bin.slice(at, at + 1000));
          c.close();
        },
      });
      return {
        ...res,
        body,
        arrayBuffer: () => Promise.reject(new Error('streamed, not buffered')),
      };
    };
    const reports: [number, number][] = [];
    const data = await loadMnist('/d/', chunked, (received, total) =>
      reports.push([received, total]),
    );
    expect(reports).toHaveLength(Math.ceil(bin.length / 1000));
    expect(reports.every(([, total]) => total === manifest.bytes)).toBe(true);
    expect(reports.map(([r]) => r)).toEqual(reports.map(([r]) => r).sort((a, b) => a - b));
    expect(reports.at(-1)).toEqual([manifest.bytes, manifest.bytes]);
    expect([...data.labels]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
  });

  it('holds the 10,000 digits of the npm package, about 1,000 of each', async () => {
    const data = await realMnist();
    expect(data.count).toBe(10_000);
    const perClass = new Array(10).fill(0);
    data.labels.forEach((l) => perClass[l]++);
    for (const n of perClass) expect(n).toBeGreaterThan(800);
    const ink = data.pixels.subarray(0, MNIST_PIXELS).reduce((s, v) => s + v, 0);
    expect(ink).toBeGreaterThan(0);
  });

  it('says the file is missing on HTTP 404', async () => {
    const e = await rejection(loadMnist('/d/', serve({})));
    expect(e.code).toBe('missing');
    expect(e.message).toMatch(/npm run datasets/);
  });

  it('rejects a truncated file by size', async () => {
    const { bin, manifest } = tinyDataset();
    const e = await rejection(
      loadMnist(
        '/d/',
        serve({ 'manifest.json': JSON.stringify(manifest), 'mnist.bin': bin.slice(0, 1000) }),
      ),
    );
    expect(e.code).toBe('size');
    expect(e.message).toMatch(/1000 bytes/);
  });

  it('rejects a corrupt file by checksum', async () => {
    const { bin, manifest } = tinyDataset();
    const corrupt = bin.slice();
    corrupt[500] ^= 0xff;
    const e = await rejection(decodeMnist(parseManifest(manifest), corrupt));
    expect(e.code).toBe('checksum');
    expect(e.message).toMatch(/corrupt/);
  });

  it.each([
    ['not an object', [], /not a JSON object/],
    ['wrong format', { format: 'other' }, /format/],
    ['negative count', { count: -1 }, /"count"/],
    ['path in file name', { file: '../etc/passwd' }, /"file"/],
    ['bad checksum text', { sha256: 'xyz' }, /sha256/],
    ['wrong image size', { width: 32 }, /32x28/],
    ['offsets past the end', { bytes: 100 }, /past the end/],
  ])('rejects a manifest with %s', (_, patch, message) => {
    const { manifest } = tinyDataset();
    const json = Array.isArray(patch) ? patch : { ...manifest, ...patch };
    let err: unknown;
    try {
      parseManifest(json);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe('manifest');
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a manifest that is not JSON', async () => {
    const fetchFn: FetchLike = async () => ({
      ok: true,
      status: 200,
      json: async () => JSON.parse('<html>'),
      arrayBuffer: async () => new ArrayBuffer(0),
    });
    expect((await rejection(loadMnist('/d/', fetchFn))).code).toBe('manifest');
  });
});

describe('train/test split', () => {
  it('is 90/10, disjoint, complete and the same for the same seed', () => {
    const a = splitTrainTest(10_000, 5);
    const b = splitTrainTest(10_000, 5);
    expect(a.train.length).toBe(9_000);
    expect(a.test.length).toBe(1_000);
    expect([...a.test]).toEqual([...b.test]);
    const all = new Set([...a.train, ...a.test]);
    expect(all.size).toBe(10_000);
    expect(splitTrainTest(10_000, 6).test).not.toEqual(a.test);
  });

  it('uses the documented default seed when none is given', () => {
    expect([...splitTrainTest(100).test]).toEqual([...splitTrainTest(100, 20261124).test]);
    expect(() => splitTrainTest(100, 1, 1)).toThrow(RangeError);
  });

  it('gathers batches as floats in [0, 1] with their labels', async () => {
    const { bin, manifest } = tinyDataset();
    const data = await decodeMnist(parseManifest(manifest), bin);
    const batch = gatherBatch(data, Uint32Array.from([19, 0]));
    expect([...batch.y]).toEqual([9, 0]);
    expect(batch.x.length).toBe(2 * MNIST_PIXELS);
    expect(batch.x[0]).toBeCloseTo(Math.round((19 / 20) * 255) / 255, 6);
    const sampled = sampleBatch(data, Uint32Array.from([4, 5]), 50, createRandom(1));
    expect(new Set(sampled.indices)).toEqual(new Set([4, 5]));
  });
});
