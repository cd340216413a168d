#!/usr/bin/env node
/**
 * `npm run bench:quality` (also part of `npm run bench`): is the app's GAN
 * training faithful? The article's model made to work (`article-tuned`:
 * the article's sizes, leaky ReLU, Adam 1e-3) trained by the app (GanJob on
 * tfjs's WASM backend with the app's kernels, one thread, in node) and by
 * the PyTorch reference (torch_gan_quality.py: the same layers, loss, Adam
 * settings and batch), on the same training digits, three seeds each side,
 * judged by the same shipped classifier at the same steps. The app's median
 * Inception Score should fall within the range of PyTorch's seeds. Quality
 * only: the two sides run side by side, one core each, and their times are
 * not compared here (`npm run bench` does that). Never asserts.
 *
 * Each app seed trains in its own worker thread, so the run takes about
 * (all steps of both sides) / cores.
 *
 * Options: --model article-tuned, --seeds 1,2,3, --at 1000,2000,5000.
 * Writes results/gan-quality-<date>.json and gan-quality-latest.md.
 */
import { spawn } from 'node:child_process';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, findTorch, root } from './cli.mjs';

const model = arg('model', 'article-tuned');
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const at = arg('at', '1000,2000,5000').split(',').map(Number);
const every = at.reduce((a, b) => gcd(a, b));

/** @param {number} a @param {number} b @returns {number} */
function gcd(a, b) {
  return b === 0 ? a : gcd(b, a % b);
}

const { runnerImport } = await import('vite');
const { module: app } = await runnerImport('/tests/bench/gan-quality.ts', {
  root,
  configFile: false,
  logLevel: 'warn',
});

if (!isMainThread) {
  // One app seed, in this worker thread.
  parentPort?.postMessage(await app.appQuality(model, workerData.seed, at, every));
  process.exit(0);
}

/** @typedef {{ step: number, IS: number, classes: number, FID: number }} Point */

/**
 * The PyTorch seeds, one after another in a child process, beside the app's.
 * @param {string} python
 * @param {string} trainFile
 * @returns {Promise<Record<number, Point[]>>}
 */
async function torchSide(python, trainFile) {
  /** @type {Record<number, Point[]>} */
  const out = {};
  for (const seed of seeds) {
    const args = [
      join(root, 'tests/bench/torch_gan_quality.py'),
      '--model',
      model,
      '--seed',
      String(seed),
    ];
    args.push('--at', at.join(','), '--train', trainFile, '--class-share', String(app.CLASS_SHARE));
    const text = await new Promise((resolve, reject) => {
      const child = spawn(python, args, {
        cwd: root,
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffer = '';
      child.stdout.on('data', (d) => (buffer += d));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(buffer) : reject(new Error(`torch seed ${seed} exited ${code}`)),
      );
    });
    out[seed] = String(text)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    console.log(JSON.stringify({ side: 'pytorch', seed, points: out[seed] }));
  }
  return out;
}

const python = findTorch();
const trainFile = join(mkdtempSync(join(os.tmpdir(), 'gan-quality-')), 'train.json');
writeFileSync(trainFile, JSON.stringify(await app.trainIndices()));
const torchRuns = python ? torchSide(python, trainFile) : Promise.resolve(null);

/** @type {Record<number, Point[]>} */
const appRuns = {};
/** @type {number[]} */
const speeds = await Promise.all(
  seeds.map(
    (seed) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: { seed },
          argv: process.argv.slice(2),
        });
        worker.once('message', (/** @type {{ points: Point[], stepsPerSecond: number }} */ r) => {
          appRuns[seed] = r.points;
          console.log(JSON.stringify({ side: 'app', seed, points: r.points }));
          resolve(r.stepsPerSecond);
        });
        worker.once('error', reject);
      }),
  ),
);
const torch = await torchRuns;

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
/** @param {Record<number, Point[]> | null} runs @param {number} step @param {keyof Point} key */
const values = (runs, step, key) =>
  runs ? seeds.map((s) => runs[s]?.find((p) => p.step === step)?.[key] ?? NaN) : [];
/** @param {number[]} xs @param {number} digits */
const list = (xs, digits) => xs.map((x) => x.toFixed(digits)).join(' / ');

const date = new Date().toISOString().slice(0, 10);
const cpu = os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU';
const lines = [
  `The article's model made to work (\`${model}\`), trained by the app (tfjs WASM with the app's kernels, one thread, node) and by PyTorch (torch_gan_quality.py, one thread) on the same 9,000 training digits; seeds ${seeds.join(', ')} each side; judged by the shipped classifier on 1,000 digits from fixed noise (Inception Score; digits drawn, each ≥ 5%; FID against the training digits). Machine: ${cpu}, ${os.cpus().length} cores (${date}).`,
  '',
  '| step | app IS (median; per seed) | PyTorch IS (range; per seed) | app median within PyTorch’s range | app digits / FID per seed | PyTorch digits / FID per seed |',
  '|---:|---|---|---|---|---|',
];
for (const step of at) {
  const appIs = values(appRuns, step, 'IS');
  const torchIs = values(torch, step, 'IS');
  const lo = Math.min(...torchIs);
  const hi = Math.max(...torchIs);
  const m = median(appIs);
  const within = !torch
    ? 'no PyTorch here'
    : m >= lo && m <= hi
      ? 'yes'
      : m > hi
        ? `no: above, by ${(m - hi).toFixed(2)}`
        : `no: below, by ${(lo - m).toFixed(2)}`;
  const pairs = (/** @type {Record<number, Point[]> | null} */ runs) =>
    runs
      ? seeds
          .map((s) => {
            const p = runs[s]?.find((q) => q.step === step);
            return p ? `${p.classes} / ${p.FID.toFixed(1)}` : '–';
          })
          .join('; ')
      : '–';
  lines.push(
    `| ${step.toLocaleString('en')} | ${m.toFixed(2)}; ${list(appIs, 2)} | ${torch ? `${lo.toFixed(2)}–${hi.toFixed(2)}; ${list(torchIs, 2)}` : '–'} | ${within} | ${pairs(appRuns)} | ${pairs(torch)} |`,
  );
}
lines.push(
  '',
  `The app trained at ${list(speeds, 1)} steps/s per seed here (all seeds at once and PyTorch beside them; not a speed figure).`,
);
const dir = join(root, 'tests', 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `gan-quality-${date}.json`),
  JSON.stringify({ date, model, seeds, at, app: appRuns, pytorch: torch }, null, 2),
);
writeFileSync(join(dir, 'gan-quality-latest.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
