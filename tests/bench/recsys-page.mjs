#!/usr/bin/env node
/**
 * `npm run bench:recsys` (also part of `npm run bench`): how the recommender
 * lab's page keeps up while the worker steps shoppers. Builds the app, serves
 * it with `vite preview`, opens the lab in headless Chromium, starts a race
 * and measures, over a window, the page's frames per second
 * (requestAnimationFrame), its longest frame gap and its longest main-thread
 * task (PerformanceObserver "longtask", which reports tasks over 50 ms), and
 * the shopper-steps per second the worker really made.
 *
 * Scenarios: "10k" aims at 10,000 shopper-steps/s (electronics with 60 items,
 * 50 shoppers at once, UCB1 and Q-learning, capped at 100 rounds/s:
 * 100 × 50 × 2 agents); the demo race (random, UCB1, LinUCB) and UCB1 vs DQN
 * at full speed; "idle" is the page with nothing running.
 * Options: --seconds N (window, default 10). Never asserts on time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';
import { builtSite } from './serve.mjs';

const seconds = Number(arg('seconds', '10'));
const port = 4185;

const { browser, stop } = await builtSite(root, port, 'recsys page');

/** @typedef {{ scenario: string, fps: number, longestFrameMs: number, longestTaskMs: number, longTasks: number, shopperStepsPerSecond: number, backend: string }} Row */

/**
 * @param {import('@playwright/test').Page} page
 * @param {number} ms
 */
async function measure(page, ms) {
  return page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        let frames = 0;
        let last = performance.now();
        let gap = 0;
        let longest = 0;
        let count = 0;
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            longest = Math.max(longest, e.duration);
            count++;
          }
        });
        observer.observe({ type: 'longtask' });
        const t0 = performance.now();
        const tick = (/** @type {number} */ t) => {
          frames++;
          gap = Math.max(gap, t - last);
          last = t;
          if (t - t0 < ms) requestAnimationFrame(tick);
          else {
            observer.disconnect();
            resolve({
              fps: (frames * 1000) / (t - t0),
              longestFrameMs: gap,
              longestTaskMs: longest,
              longTasks: count,
            });
          }
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/** @param {import('@playwright/test').Page} page */
const decisions = async (page) =>
  Number(
    (await page.locator('dt:text-is("Decisions per agent") + dd').innerText()).replace(/,/g, ''),
  );

/** @type {Row[]} */
const rows = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://localhost:${port}/?backend=webgpu#/recsys`);
  await page.getByTestId('backend-badge').and(page.locator('[data-backend="webgpu"]')).waitFor();
  const backend = 'webgpu';
  rows.push({
    scenario: 'idle page',
    ...(await measure(page, seconds * 1000)),
    shopperStepsPerSecond: 0,
    backend,
  });

  /**
   * @param {string} scenario
   * @param {number} agents
   * @param {() => Promise<void>} setup
   */
  const race = async (scenario, agents, setup) => {
    await page.goto(`http://localhost:${port}/?backend=webgpu#/recsys`);
    await page.reload();
    await page.getByTestId('backend-badge').and(page.locator('[data-backend="webgpu"]')).waitFor();
    await setup();
    await page.getByTestId('recsys-start').click();
    await page.getByTestId('recsys-phase').and(page.locator('[data-phase="running"]')).waitFor();
    await page.waitForTimeout(2000); // past the first snapshot and any shader compiles
    const d0 = await decisions(page);
    const t0 = Date.now();
    const m = await measure(page, seconds * 1000);
    const d1 = await decisions(page);
    const rate = ((d1 - d0) * agents * 1000) / (Date.now() - t0);
    await page.getByTestId('recsys-pause').click();
    rows.push({ scenario, ...m, shopperStepsPerSecond: Math.round(rate), backend });
  };

  await race(
    '10k shopper-steps/s target (electronics, 60 items, 50 shoppers, UCB1 + Q-learning, 100 rounds/s)',
    2,
    async () => {
      await page.getByTestId('recsys-shop').selectOption('electronics');
      await page.getByTestId('recsys-items').fill('60');
      await page.getByTestId('recsys-population').fill('50');
      await page.getByRole('button', { name: 'Remove agent 3' }).click();
      await page.getByTestId('recsys-agent-0').selectOption('ucb');
      await page.getByTestId('recsys-agent-1').selectOption('qlearning');
      await page.getByLabel('Speed').selectOption('100');
    },
  );
  await race(
    'the demo race at full speed (fashion, 100 items, 8 shoppers, random, UCB1, LinUCB)',
    3,
    async () => {
      await page.getByLabel('Speed').selectOption('0');
    },
  );
  await race('UCB1 vs DQN at full speed (fashion, 100 items, 8 shoppers)', 2, async () => {
    await page.getByRole('button', { name: 'Remove agent 3' }).click();
    await page.getByTestId('recsys-agent-0').selectOption('ucb');
    await page.getByTestId('recsys-agent-1').selectOption('dqn');
    await page.getByLabel('Speed').selectOption('0');
  });
} finally {
  await browser.close();
  stop();
}

const date = new Date().toISOString();
const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, Chromium ${browser.version()} headless, WebGPU on SwiftShader`;
const md = [
  `Recommender lab page while the worker races, ${seconds} s windows. Machine: ${machine} (${date.slice(0, 10)}).`,
  '',
  '| scenario | page fps | longest frame (ms) | longest main-thread task (ms) | long tasks | shopper-steps/s in the worker |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.fps.toFixed(1)} | ${r.longestFrameMs.toFixed(0)} | ${r.longTasks > 0 ? r.longestTaskMs.toFixed(0) : 'none over 50'} | ${r.longTasks} | ${r.shopperStepsPerSecond.toLocaleString('en')} |`,
  ),
].join('\n');
const out = join(root, 'tests', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, `recsys-page-${date.replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ date, machine, seconds, rows }, null, 2),
);
writeFileSync(join(out, 'recsys-page-latest.md'), md + '\n');
console.log('\n' + md);
