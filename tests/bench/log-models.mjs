#!/usr/bin/env node
/**
 * `npm run bench:models` (also part of `npm run bench`): the source's three
 * recommender models (collaborative filtering, the demand predictor, the
 * two-headed network) trained on a simulated log of 10,000 sessions in node,
 * on tfjs cpu and WASM (one thread): steps per second and the training time
 * until each first meets its check. Writes
 * tests/bench/results/log-models-<date>.json and log-models-latest.md. Never
 * asserts on time.
 *
 * Options: --sessions N (default 10000), --epochs N (default 6)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';

const sessions = Number(arg('sessions', '10000'));
const epochs = Number(arg('epochs', '6'));

await import('@tensorflow/tfjs-backend-wasm');
const { runnerImport } = await import('vite');
const load = async (/** @type {string} */ path) =>
  (await runnerImport(path, { root, configFile: false, logLevel: 'warn' })).module;
const bench = await load('/tests/bench/log-models-bench.ts');

/**
 * @typedef {{ model: string, target: string, stepsPerSecond: number, secondsToTarget: number | null,
 *   epochToTarget: number | null, final: Record<string, number> }} Row
 * @typedef {{ rows: Row[], logRows: number, users: number, items: number }} Result
 */
/** @type {{ backend: string, result: Result }[]} */
const runs = [];
for (const backend of ['wasm', 'cpu']) {
  console.log(`bench models: ${backend}…`);
  await bench.useNodeBackend(backend);
  runs.push({ backend, result: await bench.benchLogModels(sessions, epochs) });
}

const date = new Date().toISOString();
const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}`;
const first = runs[0].result;
/** @param {number | null} n @param {number} digits */
const fmt = (n, digits = 1) => (n === null || !Number.isFinite(n) ? '—' : n.toFixed(digits));
/** @param {Record<string, number>} m */
const metrics = (m) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ');
const md = [
  `The source's recommender models on a simulated log (fashion shop, ${sessions.toLocaleString('en')} sessions: ${first.logRows.toLocaleString('en')} rows, ${first.users.toLocaleString('en')} shoppers, ${first.items} items), ${epochs} epochs each, batch 256, in node. Machine: ${machine} (${date.slice(0, 10)}).`,
  '',
  '| backend | model | steps/s | check | time to check (s) | epoch | held-out after the last epoch |',
  '|---|---|---:|---|---:|---:|---|',
  ...runs.flatMap(({ backend, result }) =>
    result.rows.map(
      (r) =>
        `| ${backend} | ${r.model} | ${fmt(r.stepsPerSecond, 0)} | ${r.target} | ${fmt(r.secondsToTarget, 2)} | ${r.epochToTarget ?? '—'} | ${metrics(r.final)} |`,
    ),
  ),
].join('\n');
const out = join(root, 'tests', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, `log-models-${date.replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ date, machine, sessions, epochs, runs }, null, 2),
);
writeFileSync(join(out, 'log-models-latest.md'), md + '\n');
console.log('\n' + md);
