#!/usr/bin/env node
/**
 * `npm run bench`: trains jobs of the app in headless Chromium on each
 * backend, as a user would (through the UI, in the worker), and records steps
 * per second, time to the first step (shader compilation included) and the
 * main thread's longest blocked interval while training. The GAN jobs also run
 * in node on tfjs's cpu and wasm backends (wasm with the shipped matMul and
 * with the app's explicit transposes) as baselines. Writes
 * tests/bench/results/<job>-<date>.json and <job>-latest.md and prints the
 * tables. Never asserts on time: figures drift on a shared machine; compare
 * ratios within one run.
 *
 * Options: --seconds N (training window per backend, default 15),
 *          --backends webgpu,webgl,wasm,cpu
 *          --jobs demo,gan-article,gan-dcgan,gan-toy
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs } from './chromium-args.mjs';
import { serve } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** @param {string} name @param {string} fallback @returns {string} */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : undefined) ?? fallback;
};
const seconds = Number(arg('seconds', '15'));
const backends = arg('backends', 'webgpu,webgl,wasm,cpu').split(',');
const jobNames = arg('jobs', 'demo,gan-article,gan-dcgan,gan-toy').split(',');

/**
 * How to run each job from the UI: the page, the tab to pick, the start
 * button and the step counter.
 * @type {Record<string, { title: string, hash: string, tab: string | null, start: string, stepId: string, nodeModel: string | null }>}
 */
const JOBS = {
  demo: {
    title: 'demo MLP 784-32-10, batch 32, Adam (start page)',
    hash: '',
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
  const page = await browser.newPage();
  await page.addInitScript(installMainThreadProbe);
  await page.goto(`http://localhost:${port}/?backend=${backend}${job.hash}`);
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(
    (b) =>
      document.querySelector('[data-testid=backend-badge]')?.getAttribute('data-backend') === b,
    backend,
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

for (const name of jobNames) {
  const job = JOBS[name];
  const results = byJob[name] ?? [];
  /** @type {{ label: string, stepsPerSecond: number, steps: number }[]} */
  let node = [];
  if (job.nodeModel) {
    process.stdout.write(`bench: ${name} in node (tfjs cpu and wasm)… `);
    node = await nodeBaseline(job.nodeModel, seconds);
    console.log(node.map((r) => `${r.label}: ${r.stepsPerSecond} steps/s`).join('; '));
  }
  const fastest = Math.max(...results.flatMap((r) => (failed(r) ? [] : [r.stepsPerSecond])));
  const rows = results.map((r) =>
    failed(r)
      ? `| ${r.backend} | – | – | – | – | – | failed: ${r.error.split('\n')[0]} |`
      : `| ${r.label} | ${r.stepsPerSecond} | ${(r.stepsPerSecond / fastest).toFixed(2)} | ${(r.firstStepMs / 1000).toFixed(1)} s | ${r.maxLongTaskMs} ms | ${r.maxFrameGapMs} ms | ${r.tensorsAlive} |`,
  );
  for (const r of node)
    rows.push(
      `| ${r.label} (no browser) | ${r.stepsPerSecond} | ${(r.stepsPerSecond / fastest).toFixed(2)} | – | – | – | – |`,
    );
  const md = [
    `Job \`${name}\`: ${job.title}; ${seconds} s window per backend.`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Chromium ${machine.browser} headless (${date.slice(0, 10)}).`,
    '',
    '| backend | steps/s | vs fastest | first step (cold) | longest main-thread task | longest frame gap | tensors alive |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  writeFileSync(
    join(out, `${name}-${stamp}.json`),
    JSON.stringify({ date, job: job.title, seconds, machine, results, node }, null, 2),
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
  const { runnerImport } = await import('vite');
  const { module } = await runnerImport('/tests/bench/gan-node.ts', {
    configFile: false,
    logLevel: 'warn',
  });
  return module.ganNodeRows(model, windowSeconds * 1000);
}
