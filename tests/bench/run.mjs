#!/usr/bin/env node
/**
 * `npm run bench`: trains the start page's demo job in headless Chromium on
 * each backend and records steps per second, time to the first step (shader
 * compilation included) and the main thread's longest blocked interval while
 * training. Writes tests/bench/results/demo-<date>.json and .md and prints the
 * table. Never asserts on time: figures drift on a shared machine; compare
 * ratios within one run.
 *
 * Options: --seconds N (training window per backend, default 15),
 *          --backends webgpu,webgl,wasm,cpu
 */
import { chromium } from '@playwright/test';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs } from './chromium-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** @param {string} name @param {string} fallback @returns {string} */
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : undefined) ?? fallback;
};
const seconds = Number(arg('seconds', '15'));
const backends = arg('backends', 'webgpu,webgl,wasm,cpu').split(',');
const port = 4183;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], {
  cwd: root,
  stdio: 'ignore',
  detached: true,
});
const stopServer = () => {
  try {
    if (server.pid) process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

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
 * @param {string} backend
 * @returns {Promise<Result>}
 */
async function benchBackend(browser, backend) {
  const page = await browser.newPage();
  await page.addInitScript(installMainThreadProbe);
  await page.goto(`http://localhost:${port}/?backend=${backend}`);
  const badge = page.getByTestId('backend-badge');
  await page.waitForFunction(
    (b) =>
      document.querySelector('[data-testid=backend-badge]')?.getAttribute('data-backend') === b,
    backend,
    { timeout: 60_000 },
  );
  const label = await badge.innerText();
  const step = async () => Number(await page.getByTestId('demo-step').innerText());
  await page.evaluate(() => {
    const p = /** @type {ProbedWindow} */ (window).__bench;
    if (p) p.measuring = true;
  });
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Start' }).click();
  while ((await step()) < 1) {
    if (Date.now() - t0 > 180_000) throw new Error(`${backend}: no step in 3 minutes`);
    await page.waitForTimeout(20);
  }
  const firstStepMs = Date.now() - t0;
  const s0 = await step();
  const w0 = Date.now();
  await page.waitForTimeout(seconds * 1000);
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

await waitForServer();
const browser = await chromium.launch({ executablePath, args: chromiumArgs });
/** @type {(Result | Failure)[]} */
const results = [];
try {
  for (const b of backends) {
    process.stdout.write(`bench: ${b}… `);
    try {
      const r = await benchBackend(browser, b);
      results.push(r);
      console.log(`${r.stepsPerSecond} steps/s`);
    } catch (e) {
      results.push({ backend: b, error: String(e) });
      console.log(`failed: ${e}`);
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
const job = 'demo MLP 784-32-10, batch 32, Adam (start page)';
/** @type {(r: Result | Failure) => r is Failure} */
const failed = (r) => 'error' in r;
const fastest = Math.max(...results.flatMap((r) => (failed(r) ? [] : [r.stepsPerSecond])));
const rows = results.map((r) =>
  failed(r)
    ? `| ${r.backend} | – | – | – | – | – | failed: ${r.error.split('\n')[0]} |`
    : `| ${r.label} | ${r.stepsPerSecond} | ${(r.stepsPerSecond / fastest).toFixed(2)} | ${(r.firstStepMs / 1000).toFixed(1)} s | ${r.maxLongTaskMs} ms | ${r.maxFrameGapMs} ms | ${r.tensorsAlive} |`,
);
const md = [
  `Demo job: ${job}, ${seconds} s window per backend.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Chromium ${machine.browser} headless (${date.slice(0, 10)}).`,
  '',
  '| backend | steps/s | vs fastest | first step (cold) | longest main-thread task | longest frame gap | tensors alive |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');

const out = join(root, 'tests', 'bench', 'results');
mkdirSync(out, { recursive: true });
const stamp = date.replace(/[:.]/g, '-');
writeFileSync(
  join(out, `demo-${stamp}.json`),
  JSON.stringify({ date, job, seconds, machine, results }, null, 2),
);
writeFileSync(join(out, 'demo-latest.md'), md + '\n');
console.log('\n' + md);
