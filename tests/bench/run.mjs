#!/usr/bin/env node
/**
 * `npm run bench`: trains jobs of the app in headless Chromium on each
 * backend, as a user would (through the UI, in the worker), and records steps
 * per second, time to the first step (shader compilation included) and the
 * main thread's longest blocked interval while training. WASM runs twice: with
 * one thread per core (cross-origin isolated, as served) and with one thread
 * (`?threads=1`). The GAN jobs also run in node on tfjs's cpu and wasm backends
 * (wasm with the shipped matMul and with the app's explicit transposes), then
 * 1,000 steps in node to read tensors, bytes and the heap for leaks, and in
 * PyTorch on the CPU (tests/bench/torch_gan.py, when python3 has torch) for
 * the ratios.
 * Writes tests/bench/results/<job>-<date>.json and <job>-latest.md and prints
 * the tables. Never asserts on time: figures drift on a shared machine;
 * compare ratios within one run.
 *
 * Options: --seconds N (training window per backend, default 15),
 *          --backends webgpu,webgl,wasm,wasm1,cpu (wasm1: WASM on one thread)
 *          --jobs demo,gan-article,gan-dcgan,gan-toy
 *          --no-torch, --no-leaks, --no-node (skips the node rows)
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from './chromium-args.mjs';
import { arg, findTorch, root } from './cli.mjs';
import { serve } from './serve.mjs';

const seconds = Number(arg('seconds', '15'));
const backends = arg('backends', 'webgpu,webgl,wasm,wasm1,cpu').split(',');
const withTorch = !process.argv.includes('--no-torch');
const withLeaks = !process.argv.includes('--no-leaks');
const withNode = !process.argv.includes('--no-node');

/** Page address and the tfjs backend a bench backend name stands for. */
const BACKENDS = {
  webgpu: { query: 'backend=webgpu', tfjs: 'webgpu' },
  webgl: { query: 'backend=webgl', tfjs: 'webgl' },
  wasm: { query: 'backend=wasm', tfjs: 'wasm' },
  wasm1: { query: 'backend=wasm&threads=1', tfjs: 'wasm' },
  cpu: { query: 'backend=cpu', tfjs: 'cpu' },
};

// Multiply-adds per sample of the article GAN's dense layers: G 100-128-256-1024-784, D 784-1024-512-256-1.
const ARTICLE_G = 100 * 128 + 128 * 256 + 256 * 1024 + 1024 * 784;
const ARTICLE_D = 784 * 1024 + 1024 * 512 + 512 * 256 + 256;
/**
 * FLOPs of one article step at batch 128: the D update runs G forward and D
 * forward and backward on real and fake (G + 2D + 4D), the G update runs G
 * forward and backward and D forward and backward (3G + 2D); a backward pass
 * costs two forward ones; 2 FLOPs per multiply-add.
 */
const ARTICLE_FLOPS = 2 * 128 * (4 * ARTICLE_G + 8 * ARTICLE_D);
const jobNames = arg('jobs', 'demo,gan-article,gan-dcgan,gan-toy').split(',');

/**
 * How to run each job from the UI: the page, the tab to pick, the start
 * button and the step counter; which model the node and PyTorch runs train,
 * FLOPs per step where counted, and backends that cannot train the model.
 * @type {Record<string, { title: string, hash: string, tab: string | null, start: string, stepId: string, nodeModel: string | null, flopsPerStep?: number, cannot?: Record<string, string> }>}
 */
const JOBS = {
  demo: {
    title: 'demo MLP 784-32-10, batch 32, Adam (backend check page)',
    hash: '#/check',
    tab: null,
    start: 'Start',
    stepId: 'demo-step',
    nodeModel: null,
  },
  'gan-article': {
    title:
      'article MLP GAN (fixed), G 1,112,720 + D 1,460,225 params, batch 128, one D + one G update per step',
    hash: '#/gan',
    tab: 'Article example',
    start: 'Train',
    stepId: 'gan-step',
    nodeModel: 'article',
    flopsPerStep: ARTICLE_FLOPS,
  },
  'gan-dcgan': {
    title: 'DCGAN, G 234,369 + D 36,513 params, batch 64, one D + one G update per step',
    hash: '#/gan',
    tab: 'DCGAN',
    start: 'Train',
    stepId: 'gan-step',
    nodeModel: 'dcgan',
  },
  'gan-toy': {
    title:
      '2D toy GAN (ring of 8 Gaussians), MLPs 2-64-64-2 / 2-64-64-1, batch 128, field + warp views',
    hash: '#/gan',
    tab: '2D toy GANs',
    start: 'Train',
    stepId: 'gan-step',
    nodeModel: 'toy',
  },
};
const port = 4183;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
const stopServer = await serve(root, ['preview', '--port', String(port), '--strictPort'], port);

/**
 * @typedef {{ maxFrameGap: number, maxLongTask: number, measuring: boolean }} Probe
 * @typedef {Window & { __bench?: Probe }} ProbedWindow
 * @typedef {{ backend: string, label: string, stepsPerSecond: number, firstStepMs: number,
 *   stepsMeasured: number, tensorsAlive: number, maxFrameGapMs: number, maxLongTaskMs: number }} Result
 * @typedef {{ backend: string, error: string }} Failure
 */

/** Records the longest gap between animation frames and the longest long task on the page. */
function installMainThreadProbe() {
  /** @type {Probe} */
  const probe = { maxFrameGap: 0, maxLongTask: 0, measuring: false };
  /** @type {ProbedWindow} */ (window).__bench = probe;
  let last = performance.now();
  /** @param {number} t */
  const frame = (t) => {
    if (probe.measuring) probe.maxFrameGap = Math.max(probe.maxFrameGap, t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => {
    if (!probe.measuring) return;
    for (const e of list.getEntries()) probe.maxLongTask = Math.max(probe.maxLongTask, e.duration);
  }).observe({ type: 'longtask', buffered: false });
}

/**
 * @param {import('@playwright/test').Browser} browser
 * @param {(typeof JOBS)[string]} job
 * @param {string} backend
 * @returns {Promise<Result>}
 */
async function benchBackend(browser, job, backend) {
  const how = BACKENDS[/** @type {keyof typeof BACKENDS} */ (backend)];
  if (!how)
    throw new Error(`unknown backend ${backend}; known: ${Object.keys(BACKENDS).join(', ')}`);
  const cannot = job.cannot?.[backend];
  if (cannot) throw new Error(cannot);
  const page = await browser.newPage();
  await page.addInitScript(installMainThreadProbe);
  await page.goto(`http://localhost:${port}/?${how.query}${job.hash}`);
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(
    (b) =>
      document.querySelector('[data-testid=backend-badge]')?.getAttribute('data-backend') === b,
    how.tfjs,
    { timeout: 60_000 },
  );
  const label = await badge.innerText();
  if (job.tab) await page.getByRole('tab', { name: job.tab }).click();
  const step = async () => Number(await page.getByTestId(job.stepId).innerText());
  await page.evaluate(() => {
    const p = /** @type {ProbedWindow} */ (window).__bench;
    if (p) p.measuring = true;
  });
  const t0 = Date.now();
  await page.getByRole('button', { name: job.start, exact: true }).click();
  while ((await step()) < 1) {
    if (Date.now() - t0 > 300_000) throw new Error(`${backend}: no step in 5 minutes`);
    await page.waitForTimeout(20);
  }
  const firstStepMs = Date.now() - t0;
  const s0 = await step();
  const w0 = Date.now();
  await page.waitForTimeout(seconds * 1000);
  // Slow pairs (a big model on a software GPU) get up to 2 more minutes to finish 3 steps.
  while ((await step()) - s0 < 3 && Date.now() - w0 < seconds * 1000 + 120_000)
    await page.waitForTimeout(250);
  const s1 = await step();
  const stepsPerSecond = ((s1 - s0) * 1000) / (Date.now() - w0);
  const probe = await page.evaluate(() => /** @type {ProbedWindow} */ (window).__bench);
  if (!probe) throw new Error('the main-thread probe did not install');
  const tensors = Number(await page.locator('dt:text("Tensors alive") + dd').innerText());
  await page.close();
  return {
    backend,
    label,
    stepsPerSecond: Number(stepsPerSecond.toFixed(2)),
    firstStepMs,
    stepsMeasured: s1 - s0,
    tensorsAlive: tensors,
    maxFrameGapMs: Math.round(probe.maxFrameGap),
    maxLongTaskMs: Math.round(probe.maxLongTask),
  };
}

const browser = await chromium.launch({ executablePath, args: chromiumArgs });
/** @type {Record<string, (Result | Failure)[]>} */
const byJob = {};
try {
  for (const name of jobNames) {
    const job = JOBS[name];
    if (!job) throw new Error(`unknown job ${name}; known: ${Object.keys(JOBS).join(', ')}`);
    byJob[name] = [];
    for (const b of backends) {
      process.stdout.write(`bench: ${name} on ${b}… `);
      try {
        const r = await benchBackend(browser, job, b);
        byJob[name].push(r);
        console.log(`${r.stepsPerSecond} steps/s`);
      } catch (e) {
        byJob[name].push({ backend: b, error: String(e) });
        console.log(`failed: ${e}`);
      }
    }
  }
} finally {
  await browser.close();
  stopServer();
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  browser: browser.version(),
};
const date = new Date().toISOString();
const out = join(root, 'tests', 'bench', 'results');
mkdirSync(out, { recursive: true });
const stamp = date.replace(/[:.]/g, '-');
/** @type {(r: Result | Failure) => r is Failure} */
const failed = (r) => 'error' in r;

/**
 * PyTorch has two thread pools on the CPU (its OpenMP one and OpenBLAS's),
 * and which settings are fastest depends on the machine, so the reference is
 * the best of three: as installed, torch.set_num_threads(cores), and one
 * thread in all.
 * @typedef {{ label: string, threads: number | null, env: Record<string, string> }} TorchRun
 * @type {TorchRun[]}
 */
const TORCH_RUNS = [
  { label: 'as installed', threads: null, env: {} },
  { label: `torch.set_num_threads(${os.cpus().length})`, threads: os.cpus().length, env: {} },
  { label: 'one thread (OPENBLAS_NUM_THREADS=1)', threads: 1, env: { OPENBLAS_NUM_THREADS: '1' } },
];

const torch = withTorch ? findTorch() : null;
if (withTorch && !torch)
  console.log(
    'bench: no python3 with torch found (Debian: apt install python3-torch libopenblas0-pthread); the PyTorch column is skipped.',
  );

for (const name of jobNames) {
  const job = JOBS[name];
  const results = byJob[name] ?? [];
  /** @type {{ label: string, stepsPerSecond: number, steps: number }[]} */
  let node = [];
  /** @type {LeakRow[]} */
  let leaks = [];
  /** @type {TorchRow[]} */
  const torchRows = [];
  /** Runs one of the extra measurements; a failure is reported in the table, not fatal. */
  const extra = async (/** @type {string} */ what, /** @type {() => Promise<void>} */ fn) => {
    try {
      await fn();
    } catch (e) {
      console.log(`failed: ${e}`);
      notes.push(`${what} failed: ${String(e).split('\n')[0]}`);
    }
  };
  /** @type {string[]} */
  const notes = [];
  const model = job.nodeModel;
  if (model && withNode) {
    await extra('node baseline', async () => {
      process.stdout.write(`bench: ${name} in node (tfjs cpu and wasm)… `);
      node = await nodeBaseline(model, seconds);
      console.log(node.map((r) => `${r.label}: ${r.stepsPerSecond} steps/s`).join('; '));
    });
    if (withLeaks)
      await extra('leak check', async () => {
        process.stdout.write(`bench: ${name}, steps in node for leaks… `);
        leaks = await nodeLeaks(model);
        console.log(leaks.map((r) => `${r.label}: ${r.tensors.join(' → ')} tensors`).join('; '));
      });
  }
  if (model && torch)
    for (const run of TORCH_RUNS)
      await extra(`PyTorch (${run.label})`, async () => {
        process.stdout.write(`bench: ${name} in PyTorch (${run.label})… `);
        const r = torchRun(torch, model, run);
        torchRows.push(r);
        console.log(`${r.stepsPerSecond} steps/s`);
      });
  const fastest = Math.max(...results.flatMap((r) => (failed(r) ? [] : [r.stepsPerSecond])));
  const torchBest = Math.max(0, ...torchRows.map((r) => r.stepsPerSecond));
  /** @param {number} sps */
  const ratios = (sps) =>
    `${(sps / fastest).toFixed(2)} | ${torchBest ? (sps / torchBest).toFixed(2) : '–'} | ${job.flopsPerStep ? ((sps * job.flopsPerStep) / 1e9).toFixed(1) : '–'}`;
  const rows = results.map((r) =>
    failed(r)
      ? `| ${r.backend} | – | – | – | – | – | – | – | – | ${r.error.split('\n')[0]} |`
      : `| ${r.label} | ${r.stepsPerSecond} | ${ratios(r.stepsPerSecond)} | ${(r.firstStepMs / 1000).toFixed(1)} s | ${r.maxLongTaskMs} ms | ${r.maxFrameGapMs} ms | ${r.tensorsAlive} | |`,
  );
  for (const r of node)
    rows.push(
      `| ${r.label} (no browser) | ${r.stepsPerSecond} | ${ratios(r.stepsPerSecond)} | – | – | – | – | |`,
    );
  for (const r of torchRows)
    rows.push(
      `| PyTorch ${r.torch} CPU, ${r.label} | ${r.stepsPerSecond} | ${ratios(r.stepsPerSecond)} | – | – | – | – | |`,
    );
  const md = [
    `Job \`${name}\`: ${job.title}; ${seconds} s window per backend.`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Chromium ${machine.browser} headless (${date.slice(0, 10)}).`,
    job.flopsPerStep
      ? `One step is ${(job.flopsPerStep / 1e9).toFixed(2)} GFLOP of matrix products (forward and backward), so GFLOP/s = steps/s × ${(job.flopsPerStep / 1e9).toFixed(2)}.`
      : '',
    '',
    '| backend | steps/s | vs fastest browser | vs best PyTorch | GFLOP/s | first step (cold) | longest main-thread task | longest frame gap | tensors alive | note |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    ...notes.map((n) => `\n${n}`),
    ...(leaks.length
      ? [
          '',
          `Leak check in node, stats read every 25 steps and samples drawn every 100, as the worker does (${leaks[0]?.note}).`,
          '',
          '| backend | tensors at step 25 → half way → end | bytes at step 25 → half way → end | WASM heap at step 25 → half way → end |',
          '|---|---|---|---|',
          ...leaks.map(
            (r) =>
              `| ${r.label} | ${r.tensors.join(' → ')} | ${r.bytes.map((b) => b.toLocaleString('en')).join(' → ')} | ${r.heapBytes.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(' → ')} |`,
          ),
        ]
      : []),
  ]
    .filter((line, i) => !(i === 2 && line === ''))
    .join('\n');
  writeFileSync(
    join(out, `${name}-${stamp}.json`),
    JSON.stringify(
      { date, job: job.title, seconds, machine, results, node, leaks, torch: torchRows },
      null,
      2,
    ),
  );
  writeFileSync(join(out, `${name}-latest.md`), md + '\n');
  console.log('\n' + md + '\n');
}

/**
 * The same GAN job in node on tfjs's cpu and wasm backends, loaded through
 * Vite's module runner (the app's own TypeScript), as the no-browser baselines.
 * @param {string} model
 * @param {number} windowSeconds
 * @returns {Promise<{ label: string, stepsPerSecond: number, steps: number }[]>}
 */
async function nodeBaseline(model, windowSeconds) {
  return (await ganNode()).ganNodeRows(model, windowSeconds * 1000);
}

/**
 * @typedef {{ label: string, note: string, tensors: number[], bytes: number[], heapBytes: number[] }} LeakRow
 * @param {string} model
 * @returns {Promise<LeakRow[]>}
 */
async function nodeLeaks(model) {
  return (await ganNode()).ganLeakRows(model);
}

/** @returns {Promise<any>} the module tests/bench/gan-node.ts, through Vite's module runner. */
async function ganNode() {
  const { runnerImport } = await import('vite');
  const { module } = await runnerImport('/tests/bench/gan-node.ts', {
    configFile: false,
    logLevel: 'warn',
  });
  return module;
}

/**
 * @typedef {{ label: string, stepsPerSecond: number, steps: number, torch: string, torchThreads: number, blasThreads: string }} TorchRow
 */

/**
 * @param {string} python
 * @param {string} model
 * @param {TorchRun} run
 * @returns {TorchRow}
 */
function torchRun(python, model, run) {
  const args = [
    join(root, 'tests/bench/torch_gan.py'),
    '--model',
    model,
    '--seconds',
    String(seconds),
  ];
  if (run.threads !== null) args.push('--threads', String(run.threads));
  const out = execFileSync(python, args, {
    cwd: root,
    env: { ...process.env, ...run.env },
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
  const threads = `torch ${r.torchThreads} thread${r.torchThreads === 1 ? '' : 's'}, OpenBLAS ${r.blasThreads === 'default' ? 'default (all cores)' : r.blasThreads}`;
  return { ...r, label: `${run.label}: ${threads}` };
}
