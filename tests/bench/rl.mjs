#!/usr/bin/env node
/**
 * `npm run bench:rl` (also the end of `npm run bench`): the recommender core's
 * speed. In node: shopper-steps per second of the batched simulator, agent
 * decisions per second, DQN updates per second on tfjs cpu and wasm. In
 * headless Chromium, the same loops inside a module worker (as the app runs
 * them), DQN on webgpu, webgl, wasm and cpu. Writes
 * tests/bench/results/rl-<date>.json and rl-latest.md. Never asserts on time.
 *
 * Options: --seconds N (window per measurement, default 2), --backends webgpu,webgl,wasm,cpu,
 *          --experiment-steps N (decisions per agent in the whole-experiment table, default 30000)
 */
import { chromium } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from './chromium-args.mjs';
import { moduleLoader } from '../../src/cli/common.mjs';
import { arg, root } from './cli.mjs';
import { serve } from './serve.mjs';

const ms = Number(arg('seconds', '2')) * 1000;
const backends = arg('backends', 'webgpu,webgl,wasm,cpu').split(',');
const port = 4184;

/** @typedef {{ name: string, perSecond: number, count: number }} Rate */

const tf = await import('@tensorflow/tfjs');
tf.env().set('IS_NODE', false);
await import('@tensorflow/tfjs-backend-wasm');
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
// Bundled as the command-line tools load the app (src/cli/common.mjs), not through Vite's module runner.
const bench = await (await moduleLoader())('/tests/bench/rl-bench.ts');

console.log('bench rl: node…');
/** @type {Rate[]} */
const simulator = [];
for (const shop of ['fashion', 'electronics', 'grocery'])
  simulator.push(...bench.simulatorRates(shop, ms));
await tf.setBackend('cpu');
/** @type {Rate[]} */
const decisions = await bench.decisionRates('fashion', bench.TIMED_AGENTS, ms);
/** @type {Rate[]} */
const batched = await bench.batchedDecisionRates('fashion', bench.TIMED_AGENTS, ms, 16);
console.log('bench rl: whole experiments…');
/** @type {{ agent: string, reference: number, batch1: number, batch16: number }[]} */
const experiments = await bench.experimentRates(
  'fashion',
  bench.TIMED_AGENTS,
  Number(arg('experiment-steps', '30000')),
);
/** @type {(Rate & { backend: string })[]} */
const dqn = [];
for (const b of ['cpu', 'wasm']) {
  await tf.setBackend(b);
  await tf.ready();
  const label = b === 'wasm' ? 'node wasm (shipped matMul, 1 thread)' : `node ${b}`;
  dqn.push({ backend: label, ...(await bench.dqnUpdateRate('fashion', ms)) });
}

console.log('bench rl: Chromium worker…');
const stop = await serve(root, ['--port', String(port), '--strictPort'], port);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
/** @type {{ simulator: Rate[], decisions: Rate[], dqn: (Rate & { backend: string })[] }} */
let worker;
try {
  const page = await browser.newPage();
  // On CPU the app's own worker starts light and does not time backends beside the bench.
  await page.goto(`http://localhost:${port}/?backend=cpu`);
  const run = () =>
    page.evaluate(
      ({ ms, backends }) =>
        new Promise((resolve, reject) => {
          const w = new Worker('/tests/bench/rl.worker.ts', { type: 'module' });
          w.onmessage = (e) => resolve(e.data);
          w.onerror = (e) => reject(new Error(e.message || 'worker failed'));
          w.postMessage({ ms, backends });
        }),
      { ms, backends },
    );
  try {
    worker = await run();
  } catch (e) {
    // A cold dev server reloads the page once when it finishes optimising dependencies.
    if (!/Execution context was destroyed/.test(String(e))) throw e;
    await page.waitForLoadState('load');
    worker = await run();
  }
} finally {
  await browser.close();
  stop();
}

const date = new Date().toISOString();
const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}, Chromium ${browser.version()} headless`;
/** @param {number} n */
const fmt = (n) => n.toLocaleString('en');
/** @param {Rate[]} rows @param {string} unit */
const table = (rows, unit) => [
  `| what | ${unit} |`,
  '|---|---:|',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.perSecond)} |`),
];
const md = [
  `Recommender core, ${ms / 1000} s per figure. Machine: ${machine} (${date.slice(0, 10)}).`,
  '',
  'Simulator, node:',
  '',
  ...table(simulator, 'shopper-steps/s'),
  '',
  'Simulator, Chromium module worker:',
  '',
  ...table(worker.simulator, 'shopper-steps/s'),
  '',
  'Agent decisions (act + learn), node / Chromium worker:',
  '',
  '| agent | node decisions/s | worker decisions/s |',
  '|---|---:|---:|',
  ...decisions.map(
    (r) =>
      `| ${r.name} | ${fmt(r.perSecond)} | ${fmt(worker.decisions.find((w) => w.name === r.name)?.perSecond ?? NaN)} |`,
  ),
  '',
  'Agent decisions in batches of 16 (act for 16 shoppers, then learn from them), node:',
  '',
  ...table(batched, 'decisions/s'),
  '',
  'Whole experiments on one core in node (simulator, exact regret, agent, metrics), decisions/s.',
  'The fast path with batches of 1 gives the reference loop’s numbers, bit for bit:',
  '',
  '| agent | reference loop | fast path, batch 1 | fast path, batch 16 |',
  '|---|---:|---:|---:|',
  ...experiments.map(
    (r) => `| ${r.agent} | ${fmt(r.reference)} | ${fmt(r.batch1)} | ${fmt(r.batch16)} |`,
  ),
  '',
  'DQN minibatch updates per backend (acting and weight readbacks included):',
  '',
  '| backend | updates/s |',
  '|---|---:|',
  ...[...dqn, ...worker.dqn.map((r) => ({ ...r, backend: `Chromium worker ${r.backend}` }))].map(
    (r) => `| ${r.backend} | ${r.count > 0 ? fmt(r.perSecond) : r.name} |`,
  ),
].join('\n');
const out = join(root, 'tests', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, `rl-${date.replace(/[:.]/g, '-')}.json`),
  JSON.stringify(
    {
      date,
      machine,
      seconds: ms / 1000,
      node: { simulator, decisions, batched, experiments, dqn },
      worker,
    },
    null,
    2,
  ),
);
writeFileSync(join(out, 'rl-latest.md'), md + '\n');
console.log('\n' + md);
