#!/usr/bin/env node
/**
 * `npm run bench:fuzz` (also part of `npm run bench`): the file fuzzer of
 * tests/unit/fuzz at scale: 100,000 session files, 20,000 CSV logs and
 * 10,000 image zips from one printed seed (--seed replays it; --sessions,
 * --csv, --zips change the counts). Prints and records how many were
 * refused, accepted unchanged, accepted changed, and thrown past the entry
 * point (the last two must be 0), and the peak memory. Never asserts.
 * Writes results/fuzz-<date>.json and fuzz-latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';

const seed = Number(arg('seed', String(Date.now() % 2 ** 31)));
const runs = {
  sessions: Number(arg('sessions', '100000')),
  csv: Number(arg('csv', '20000')),
  zips: Number(arg('zips', '10000')),
};
console.log(`fuzz: seed ${seed} (--seed ${seed} replays it)`);

const { runnerImport } = await import('vite');
const { module: fuzz } = await runnerImport('/tests/unit/helpers/fuzz-files.ts', {
  root,
  configFile: false,
  logLevel: 'warn',
});

/** @typedef {{ files: number, refused: number, acceptedSame: number, acceptedChanged: number, uncaught: number, writtenOnRefusal: number, examples: string[], peakMemory: number }} Counts */
/** @type {[string, string, (n: number, seed: number) => Promise<Counts>, number][]} */
const jobs = [
  ['session files', 'importSession / readSessionFile', fuzz.fuzzSessions, runs.sessions],
  ['CSV logs', 'parseInteractionLog (text and file)', fuzz.fuzzCsv, runs.csv],
  ['image zips', 'buildImageSet', fuzz.fuzzImageZips, runs.zips],
];
const rows = [];
for (const [what, entry, run, n] of jobs) {
  const t0 = performance.now();
  const c = await run(n, seed);
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ what, entry, seconds, ...c });
  console.log(`fuzz: ${what}: ${JSON.stringify(c)} in ${seconds.toFixed(0)} s`);
}

const date = new Date().toISOString().slice(0, 10);
const results = join(root, 'tests/bench/results');
mkdirSync(results, { recursive: true });
writeFileSync(join(results, `fuzz-${date}.json`), JSON.stringify({ seed, rows }, null, 2));
const mb = (/** @type {number} */ b) => `${Math.round(b / 2 ** 20)} MB`;
const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const table = [
  `Damaged and hostile files through the real entry points, seed ${seed} (\`--seed ${seed}\` replays it). Each must be refused with its entry point's own error, or accepted as exactly what it was made from. Machine: ${cpu}, ${os.cpus().length} cores (${date}).`,
  '',
  '| files | entry point | made | refused | accepted, unchanged | accepted, changed | thrown past the entry point | written on refusal | peak memory | time |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.what} | \`${r.entry}\` | ${r.files.toLocaleString('en')} | ${r.refused.toLocaleString('en')} | ${r.acceptedSame.toLocaleString('en')} | **${r.acceptedChanged}** | **${r.uncaught}** | ${r.writtenOnRefusal} | ${mb(r.peakMemory)} | ${r.seconds.toFixed(0)} s |`,
  ),
  ...rows.flatMap((r) => r.examples.map((e) => `\n${r.what}: ${e}`)),
];
writeFileSync(join(results, 'fuzz-latest.md'), table.join('\n') + '\n');
console.log(table.join('\n'));
