#!/usr/bin/env node
/**
 * `npm run bench:digits` (also part of `npm run bench`): time to digits, from
 * scratch, as a new user meets it. For each MNIST view and seed, a fresh
 * browser profile opens the built site, the seed is typed into the view's
 * settings (or the home page's GAN demo button is pressed: seed 1), and the
 * clock starts at the click. It stops at the first quality measurement that
 * meets the digits bar (src/core/gan/metrics.ts DIGITS_BAR: IS ≥ 7, at least
 * 9 digits each ≥ 5% of 1,000 samples from fixed noise, FID ≤ 30), as the
 * page reports it. Warm-up (building the models, compiling kernels, the
 * classifier's reference pass) is inside the time. The classifier's weights
 * are pinned by their SHA-256 in the output. Never asserts on time.
 *
 * Options: --views demo,conditional,dcgan,tuned,article (default all but article), --seeds 1,2,3,
 * --limit-min N (per run, default 8), --backend auto|webgpu|wasm (default auto).
 * Writes results/time-to-digits-<date>.json and time-to-digits-latest.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';
import { builtSite } from './serve.mjs';

const views = arg('views', 'demo,conditional,tuned,dcgan').split(',');
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const limitMs = Number(arg('limit-min', '8')) * 60_000;
const backend = arg('backend', 'auto');
const port = 4186;

/** What each row trains, and where its button is. */
const VIEWS = {
  demo: {
    title: 'Home page GAN demo (the Quick digits view’s preset)',
    tab: 'Quick digits',
    target: 3 * 60,
  },
  conditional: { title: 'Conditional GAN view', tab: 'Conditional GAN', target: 5 * 60 },
  dcgan: { title: 'DCGAN view', tab: 'DCGAN', target: 5 * 60 },
  tuned: {
    title: 'Article example, made to work (leaky ReLU, Adam 1e-3)',
    tab: 'Article example',
    variant: 'article-tuned',
    target: 5 * 60,
  },
  article: {
    title: 'Article example (the article’s settings; exempt)',
    tab: 'Article example',
    target: null,
  },
};

const data = join(root, 'public', 'data', 'mnist');
const classifier = JSON.parse(readFileSync(join(data, 'classifier.json'), 'utf8'));
const sha = createHash('sha256')
  .update(readFileSync(join(data, classifier.file)))
  .digest('hex');
if (sha !== classifier.sha256)
  throw new Error(`classifier.bin's SHA-256 ${sha} is not the manifest's ${classifier.sha256}`);

const { browser, stop } = await builtSite(root, port, 'time to digits');

/**
 * @typedef {{ view: string, seed: number, how: string, seconds: number | null, step: number | null,
 *   inceptionScore: number | null, fid: number | null, classes: number | null, ranOn: string,
 *   loadSeconds: number }} Run
 */

/**
 * @param {string} view
 * @param {number} seed
 * @returns {Promise<Run>}
 */
async function timeRun(view, seed) {
  const spec = VIEWS[/** @type {keyof typeof VIEWS} */ (view)];
  // A fresh profile: no remembered backend timing, no saved sessions, nothing cached.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const query = backend === 'auto' ? '' : `?backend=${backend}`;
  const t0 = Date.now();
  let how;
  if (view === 'demo' && seed === 1) {
    await page.goto(`http://localhost:${port}/${query}#/`);
    const button = page.locator('[data-testid="home-demo-gan"]:not([disabled])');
    await button.waitFor({ timeout: 120_000 });
    how = 'home page button';
  } else {
    await page.goto(`http://localhost:${port}/${query}#/gan`);
    await page.getByRole('tab', { name: spec.tab }).click();
    if ('variant' in spec) await page.getByTestId(spec.variant).check();
    await page.getByLabel('Seed', { exact: true }).fill(String(seed));
    await page.locator('[data-testid="gan-start"]:not([disabled])').waitFor({ timeout: 120_000 });
    how = 'view’s Train button';
  }
  const loadSeconds = (Date.now() - t0) / 1000;
  const start = Date.now();
  if (how === 'home page button') await page.getByTestId('home-demo-gan').click();
  else await page.getByTestId('gan-start').click();
  const quality = page.getByTestId('gan-quality');
  /** @type {Record<string, string | undefined>} */
  let last = {};
  while (Date.now() - start < limitMs) {
    await page.waitForTimeout(500);
    last = await quality
      .evaluate((e) => ({ ...e.dataset }))
      .catch(() => /** @type {Record<string, string | undefined>} */ ({}));
    if (last.digitsAt) break;
  }
  const seconds = last.digitsAt ? (Date.now() - start) / 1000 : null;
  const ranOn = await page
    .getByTestId('gan-backend')
    .innerText()
    .catch(() => '?');
  const num = (/** @type {string | undefined} */ v) => (v === undefined ? null : Number(v));
  await context.close();
  const run = {
    view,
    seed,
    how,
    seconds,
    step: num(last.digitsAt ?? last.step),
    inceptionScore: num(last.is),
    fid: num(last.fid),
    classes: num(last.classes),
    ranOn,
    loadSeconds,
  };
  console.log(JSON.stringify(run));
  return run;
}

/** @type {Run[]} */
const runs = [];
try {
  for (const view of views) for (const seed of seeds) runs.push(await timeRun(view, seed));
} finally {
  await browser.close();
  stop();
}

/** @param {(number | null)[]} xs nulls (not reached) count as longer than any time */
function median(xs) {
  const s = [...xs].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  return s[Math.floor((s.length - 1) / 2)] ?? null;
}
const fmt = (/** @type {number | null} */ s) =>
  s === null
    ? `not in ${limitMs / 60_000} min`
    : s < 120
      ? `${s.toFixed(0)} s`
      : `${(s / 60).toFixed(1)} min`;

const cpu = os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU';
const date = new Date().toISOString().slice(0, 10);
const lines = [
  `Time from the click to the first measurement that meets the digits bar (IS ≥ 7, at least 9 digits each ≥ 5% of 1,000 samples from fixed noise, FID ≤ 30), in a fresh browser profile, warm-up included; backend ${backend}; median of seeds ${seeds.join(', ')}. Classifier: ${classifier.file}, SHA-256 ${sha} (${(classifier.testAccuracy * 100).toFixed(1)}% test accuracy). Machine: ${cpu}, ${os.cpus().length} cores (${date}).`,
  '',
  '| view | median time to digits | target | per seed (step at the bar) | IS / FID / digits at the bar | ran on |',
  '|---|---:|---:|---|---|---|',
];
for (const view of views) {
  const rs = runs.filter((r) => r.view === view);
  const spec = VIEWS[/** @type {keyof typeof VIEWS} */ (view)];
  const m = median(rs.map((r) => r.seconds));
  lines.push(
    `| ${spec.title} | ${fmt(m)} | ${spec.target ? fmt(spec.target) : 'exempt'} | ${rs
      .map((r) => `${r.seed}: ${fmt(r.seconds)} (step ${r.step ?? '–'})`)
      .join('; ')} | ${rs
      .map(
        (r) =>
          `${r.inceptionScore?.toFixed(2) ?? '–'} / ${r.fid?.toFixed(1) ?? '–'} / ${r.classes ?? '–'}`,
      )
      .join('; ')} | ${[...new Set(rs.map((r) => r.ranOn))].join(', ')} |`,
  );
}
const dir = join(root, 'tests', 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `time-to-digits-${date}.json`),
  JSON.stringify({ date, backend, classifierSha256: sha, runs }, null, 2),
);
writeFileSync(join(dir, 'time-to-digits-latest.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
