#!/usr/bin/env node
/**
 * Builds the data sets the app ships into public/data/. Run by `npm run
 * datasets`; `--if-missing` (used before start, build, test and bench) only
 * builds what is absent or the wrong size, so a fresh clone needs nothing else.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMnist } from './mnist.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'data', 'mnist');
const ifMissing = process.argv.includes('--if-missing');

/** True when the manifest and the binary it describes are both present and sized right. */
async function upToDate() {
  try {
    const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
    const { size } = await stat(join(outDir, manifest.file));
    return size === manifest.bytes;
  } catch {
    return false;
  }
}

if (ifMissing && (await upToDate())) process.exit(0);

const started = Date.now();
const { bin, manifest } = await buildMnist();
await mkdir(outDir, { recursive: true });
// Binary first, manifest last: a manifest on disk always describes a complete file.
await writeFile(join(outDir, manifest.file), bin);
await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  `datasets: wrote ${relative(root, outDir)}/ (${manifest.count} digits, ` +
    `${(manifest.bytes / 1e6).toFixed(1)} MB, sha256 ${manifest.sha256.slice(0, 12)}…) ` +
    `in ${Date.now() - started} ms`,
);
