#!/usr/bin/env node
/**
 * `npm run bench:dispatches`: what one training step of each GAN model asks
 * of WebGPU, counted on this browser's adapter (SwiftShader here): compute
 * dispatches, bytes uploaded and read back, pipelines compiled. Unlike the
 * step time these carry over to a real GPU, where a dispatch costs roughly
 * 25-70 µs whatever its size, so the count sets a small model's floor.
 *
 * The first run writes tests/bench/dispatches-baseline.json; later runs print
 * their counts beside it (`--baseline` rewrites it). Writes
 * results/dispatches-<date>.json and dispatches-latest.md.
 *
 * It also reads WebGPU's buffer bytes (in use by tensors, and allocated in
 * all) after warm-up and after the counted steps: flat when nothing leaks.
 *
 * Options: --models article,dcgan,... --warm N (steps before counting, default 2)
 *          --steps N (steps counted, default 4; 100 for the memory check), --baseline
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';
import { chromiumArgs } from './chromium-args.mjs';
import { arg, root } from './cli.mjs';

const models = arg('models', 'article,article-tuned,dcgan,conditional,conditional-mlp,toy').split(
  ',',
);
const warm = Number(arg('warm', '2'));
const steps = Number(arg('steps', '4'));
const results = join(root, 'tests', 'bench', 'results');
// Kept beside the script, tracked: the counts every later run is held against.
const baselineFile = join(root, 'tests', 'bench', 'dispatches-baseline.json');

const server = await createServer({
  root,
  logLevel: 'warn',
  server: { port: 5199, strictPort: true },
});
await server.listen();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
/** @type {{ model: string, dispatches: number, uploadBytes: number, readbackBytes: number, pipelines: number, pipelinesAtWarm: number, backend: string, gpuAtWarm?: { inUse: number, allocated: number }, gpuAtEnd?: { inUse: number, allocated: number } }[]} */
let rows;
try {
  rows = [];
  // A fresh page per model: each starts with no compiled pipelines, as a first visit does.
  for (const model of models) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto('http://localhost:5199/tests/bench/harness/dispatches.html');
    await page.waitForFunction(() => 'harness' in globalThis, null, { timeout: 120_000 });
    rows.push(
      ...(await page.evaluate(
        ([m, w, s]) =>
          /** @type {{ harness: import('./harness/dispatches').Harness }} */ (
            /** @type {unknown} */ (globalThis)
          ).harness.measure(
            /** @type {import('../../src/core/gan/config').GanModelKind[]} */ (m),
            w,
            s,
          ),
        /** @type {[string[], number, number]} */ ([[model], warm, steps]),
      )),
    );
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const date = new Date().toISOString().slice(0, 10);
const writeBaseline = process.argv.includes('--baseline') || !existsSync(baselineFile);
const baseline = writeBaseline
  ? { date, rows }
  : /** @type {{ date: string, rows: typeof rows }} */ (
      JSON.parse(readFileSync(baselineFile, 'utf8'))
    );
mkdirSync(results, { recursive: true });
if (writeBaseline) writeFileSync(baselineFile, `${JSON.stringify(baseline, null, 2)}\n`);
writeFileSync(
  join(results, `dispatches-${date}.json`),
  `${JSON.stringify({ date, warm, steps, rows }, null, 2)}\n`,
);

/** @param {number} b */
const kb = (b) =>
  b < 1024
    ? `${Math.round(b)} B`
    : b < 1024 * 1024
      ? `${(b / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} KB`
      : `${(b / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 })} MB`;
const cpu = os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'unknown CPU';
const lines = [
  `What one GAN training step asks of WebGPU, counted on ${rows[0]?.backend ?? 'webgpu'} (SwiftShader, ${cpu}, ${os.cpus().length} cores, ${date}): the mean over ${steps} steps after ${warm} warm-up steps, each step read back as the runner does on a slow adapter. Baseline: ${baseline.date} (\`tests/bench/dispatches-baseline.json\`; \`--baseline\` rewrites it).`,
  '',
  '| model | dispatches per step | baseline | uploaded per step | read back per step | pipelines compiled (first steps + counted steps) | GPU buffers in use, after warm-up → end | allocated, after warm-up → end |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const b = baseline.rows.find((x) => x.model === r.model);
    const was = b
      ? `${b.dispatches.toFixed(1)}${b.dispatches ? ` (now ${(r.dispatches / b.dispatches).toFixed(2)}×)` : ''}`
      : '–';
    const gpu = (/** @type {'inUse' | 'allocated'} */ k) =>
      r.gpuAtWarm && r.gpuAtEnd ? `${kb(r.gpuAtWarm[k])} → ${kb(r.gpuAtEnd[k])}` : '–';
    return `| ${r.model} | ${r.dispatches.toFixed(1)} | ${was} | ${kb(r.uploadBytes)} | ${kb(r.readbackBytes)} | ${r.pipelinesAtWarm} + ${r.pipelines} | ${gpu('inUse')} | ${gpu('allocated')} |`;
  }),
];
const md = lines.join('\n');
writeFileSync(join(results, 'dispatches-latest.md'), `${md}\n`);
console.log(md);
