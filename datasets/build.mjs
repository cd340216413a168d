#!/usr/bin/env node
/**
 * Builds the data sets the app ships into public/data/. Run by `npm run
 * datasets`; `--if-missing` (used before start, build, test and bench) only
 * builds what is absent or the wrong size, so a fresh clone needs nothing else.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClassifier } from './classifier.mjs';
import { buildMnist } from './mnist.mjs';
import { buildSampleLog } from './shopper-log.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'data', 'mnist');
const ifMissing = process.argv.includes('--if-missing');

/** True when `manifestName` and the binary it describes are both present and sized right. */
/** @param {string} manifestName */
async function upToDate(manifestName) {
  try {
    const manifest = JSON.parse(await readFile(join(outDir, manifestName), 'utf8'));
    const { size } = await stat(join(outDir, manifest.file));
    return size === manifest.bytes;
  } catch {
    return false;
  }
}

/** Writes the binary first and the manifest last: a manifest on disk always describes a complete file. */
/**
 * @param {{ bin: Uint8Array, manifest: { file: string } }} built
 * @param {string} manifestName
 */
async function save({ bin, manifest }, manifestName) {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, manifest.file), bin);
  await writeFile(join(outDir, manifestName), JSON.stringify(manifest, null, 2) + '\n');
}

const rebuiltMnist = !(ifMissing && (await upToDate('manifest.json')));
if (rebuiltMnist) {
  const started = Date.now();
  const built = await buildMnist();
  await save(built, 'manifest.json');
  const { manifest } = built;
  console.log(
    `datasets: wrote ${relative(root, outDir)}/ (${manifest.count} digits, ` +
      `${(manifest.bytes / 1e6).toFixed(1)} MB, sha256 ${manifest.sha256.slice(0, 12)}…) ` +
      `in ${Date.now() - started} ms`,
  );
}

// The classifier learns from the MNIST file, so a new MNIST file means a new classifier.
if (rebuiltMnist || !(ifMissing && (await upToDate('classifier.json')))) {
  const started = Date.now();
  console.log('datasets: training the digit classifier for the GAN metrics (about a minute)…');
  const built = await buildClassifier(outDir);
  await save(built, 'classifier.json');
  console.log(
    `datasets: wrote ${relative(root, outDir)}/classifier.bin (test accuracy ` +
      `${(built.manifest.testAccuracy * 100).toFixed(1)}%) in ${Date.now() - started} ms`,
  );
}

// The sample interaction log for the synthetic-shoppers lab (small: always rewritten when missing).
const logFile = join(root, 'public', 'data', 'logs', 'sample-interactions.csv');
const haveLog = await stat(logFile).then(
  (s) => s.size > 0,
  () => false,
);
if (!(ifMissing && haveLog)) {
  const { csv, rows } = await buildSampleLog();
  await mkdir(dirname(logFile), { recursive: true });
  await writeFile(logFile, csv);
  console.log(
    `datasets: wrote ${relative(root, logFile)} (${rows} events, ${(csv.length / 1e3).toFixed(0)} kB)`,
  );
}
