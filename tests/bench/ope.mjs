#!/usr/bin/env node
/**
 * `npm run bench:ope` (also part of `npm run bench`): each off-policy
 * estimator's median relative error and 95%-interval coverage against the
 * truth, over 200 simulated logs (--logs) of 1,000, 10,000 and 100,000
 * rows (--sizes), for a target close to the logging policy and a distant
 * one, frozen before the logs are drawn. Never asserts. Writes
 * results/ope-<date>.json and ope-latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';

const logs = Number(arg('logs', '200'));
const sizes = arg('sizes', '1000,10000,100000').split(',').map(Number);
const truthShoppers = Number(arg('truth', '500000'));

const { runnerImport } = await import('vite');
const { module: bench } = await runnerImport('/tests/bench/ope-bench.ts', {
  root,
  configFile: false,
  logLevel: 'warn',
});
const t0 = performance.now();
/** @type {import('./ope-bench').OpeRow[]} */
const rows = bench.runOpeBench(sizes, logs, truthShoppers, (/** @type {string} */ t) =>
  console.log(`ope: ${t}`),
);
const seconds = (performance.now() - t0) / 1000;

const date = new Date().toISOString().slice(0, 10);
const results = join(root, 'tests/bench/results');
mkdirSync(results, { recursive: true });
writeFileSync(join(results, `ope-${date}.json`), JSON.stringify({ logs, sizes, rows }, null, 2));
const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const pct = (/** @type {number} */ x) => `${(100 * x).toFixed(1)}%`;
const table = [
  `Off-policy estimates against the truth: ${logs} simulated logs of each size (one decision per fashion-shop shopper, the segment as context, clicks as reward, a softmax logging policy with a fifth of its choices uniform). The truth is each target's expected clicks online over ${truthShoppers.toLocaleString('en')} shoppers of the same population. DM and DR use each log's per-segment item means (shrunk by 5 pseudo-rows), cross-fitted: each row judged by means fitted on the other four fifths of the shoppers. Error: median |estimate / truth − 1|; coverage: share of 95% bootstrap intervals (200 resamples over shoppers) holding the truth. ${cpu}, ${os.cpus().length} cores, ${seconds.toFixed(0)} s (${date}).`,
  '',
  '| target | truth | rows | estimator | median error | coverage | ESS / n | largest weight |',
  '|---|---:|---:|---|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.target} | ${r.truth.toFixed(4)} | ${r.rows.toLocaleString('en')} | ${r.label} | ${pct(r.medianError)} | ${pct(r.coverage)} | ${r.medianEssShare.toFixed(2)} | ${r.medianMaxWeight.toFixed(1)} |`,
  ),
];
writeFileSync(join(results, 'ope-latest.md'), table.join('\n') + '\n');
console.log(table.join('\n'));
