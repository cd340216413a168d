#!/usr/bin/env node
/**
 * `npm run bench:story` (also part of `npm run bench`): does the recommender
 * lab's opening race show learning within 30 s on this machine? For each
 * seed, a fresh browser profile opens the lab, types the seed, presses Race
 * (the demo race at its pace) and reads, after 30 s, the story the page
 * prints (src/core/rl/lab/story.ts): the leader's click rate over about the
 * last 500 decisions against the random baseline's, and the leader's regret
 * slope over the last third of the run against the first third. Targets:
 * ≥ 1.5× and ≤ 0.5. Never asserts. Options: --seeds 1,2,3, --seconds 30.
 * Writes results/race-story-<date>.json and race-story-latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';
import { builtSite } from './serve.mjs';

const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const seconds = Number(arg('seconds', '30'));
const port = 4187;

const { browser, stop } = await builtSite(root, port, 'race story');

/** @typedef {{ seed: number, agents: string[], leader: string, decisions: number, ctrRatio: number, bend: number, text: string, ranOn: string }} Run */
/** @type {Run[]} */
const runs = [];
try {
  for (const seed of seeds) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`http://localhost:${port}/#/recsys`);
    await page.getByTestId('recsys-seed').fill(String(seed));
    const agents = await page
      .locator('select[data-testid^="recsys-agent-"]')
      .evaluateAll((els) =>
        els.map((e) => (e instanceof HTMLSelectElement ? e.selectedOptions[0]?.text : '') ?? ''),
      );
    const start = page.locator('[data-testid="recsys-start"]:not([disabled])');
    await start.waitFor({ timeout: 120_000 });
    await start.click();
    await page.waitForTimeout(seconds * 1000);
    await page.getByTestId('recsys-pause').click();
    const story = page.getByTestId('recsys-story');
    const d = await story.evaluate((e) => ({ ...e.dataset }));
    const run = {
      seed,
      agents,
      leader: d.leader ?? '?',
      decisions: Number(d.decisions),
      ctrRatio: Number(d.ctrRatio),
      bend: Number(d.bend),
      text: await story.innerText(),
      ranOn: (await page.getByTestId('backend-badge').getAttribute('data-backend')) ?? '?',
    };
    console.log(JSON.stringify(run));
    runs.push(run);
    await context.close();
  }
} finally {
  await browser.close();
  stop();
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const date = new Date().toISOString().slice(0, 10);
const cpu = os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU';
const ratio = median(runs.map((r) => r.ctrRatio));
const bend = median(runs.map((r) => r.bend));
const lines = [
  `The recommender lab's opening race (fashion shop, 100 items, no drift or fatigue, 8 shoppers; ${runs[0]?.agents.join(', ')} at 40 rounds/s), ${seconds} s after Race, in a fresh browser profile; median of seeds ${seeds.join(', ')}. Machine: ${cpu}, ${os.cpus().length} cores (${date}).`,
  '',
  '| figure | median | target | per seed |',
  '|---|---:|---:|---|',
  `| leader's click rate ÷ random's (about the last 500 decisions) | ${ratio.toFixed(2)}× | ≥ 1.5× | ${runs.map((r) => `${r.seed}: ${r.ctrRatio.toFixed(2)}×`).join('; ')} |`,
  `| leader's regret slope, last third ÷ first third | ${bend.toFixed(2)} | ≤ 0.5 | ${runs.map((r) => `${r.seed}: ${r.bend.toFixed(2)}`).join('; ')} |`,
  `| leader | | | ${runs.map((r) => `${r.seed}: ${r.leader}`).join('; ')} |`,
  `| decisions per agent | ${median(runs.map((r) => r.decisions)).toLocaleString('en')} | | ${runs.map((r) => `${r.seed}: ${r.decisions.toLocaleString('en')}`).join('; ')} |`,
  '',
  `Seed ${runs[0]?.seed} said: “${runs[0]?.text ?? ''}”`,
];
const dir = join(root, 'tests', 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `race-story-${date}.json`),
  JSON.stringify({ date, seconds, runs }, null, 2),
);
writeFileSync(join(dir, 'race-story-latest.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
