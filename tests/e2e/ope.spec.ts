/**
 * "Evaluate on a log" in real Chromium: the worker teaches the lab's agents
 * on a log's first shoppers and judges them, and a team's policy, on the
 * rest. On the simulator's log the truth stands beside each estimate; on a
 * log of your own without propensities, the page says they were estimated
 * and how far to trust them, and a broken policy file gets its reason.
 */
import { writeFileSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { banditLogCsv, opeScenario, simulatedBanditLog } from '../../src/core/rl/ope/simulated';
import { shopPreset } from '../../src/core/rl/sim/presets';
import { sharpSlatePolicy, slateLogCsv, slateProblem } from '../unit/helpers/slate-log';
import { expect, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 180_000 });

/** The table's rows: each policy's name and cells. */
async function tableRows(page: Page): Promise<string[][]> {
  const rows = page.getByTestId('ope-table').locator('tbody tr');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++)
    out.push(await rows.nth(i).locator('th, td').allInnerTexts());
  return out;
}

test('judges the lab’s agents and the example team policy on a log the simulator writes, beside the truth', async ({
  page,
  problems,
}) => {
  await page.goto('./#/recsys');
  // The page's defaults: the simulator's log of 10,000 shoppers, half of them teaching the agents.
  await page.getByTestId('ope-run').click();
  await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('ope-summary')).toContainText(
    'Judged on 5,000 decisions of a log the simulator wrote: 10,000 shoppers of its fashion shop',
  );
  await expect(page.getByTestId('ope-summary')).toContainText('learned from the 5,000 before them');
  const baseline = await page.getByTestId('ope-baseline').innerText();
  const [, logged, truth] = /average: (\d+\.\d+).*truth (\d+\.\d+)/s.exec(baseline)!;
  expect(Math.abs(Number(logged) - Number(truth))).toBeLessThan(0.05);

  // Three agents, the pessimistic policy and the example: every estimator, the ESS, the largest weight and the truth.
  const rows = await tableRows(page);
  expect(rows.map((r) => r[0])).toEqual([
    'ε-greedy per segment',
    'UCB1',
    'Thompson (Beta)',
    'best lower bound (pessimistic)',
    'the example team policy',
  ]);
  for (const r of rows) expect(r).toHaveLength(1 + 5 + 2 + 1);
  // What the page promises, as DR and the simulator's truth both see it. On the default log
  // (seed 1) the pessimistic policy rests on about 300 rows and its interval just touches the
  // log's: DR calls it too close to tell, while its truth is a fifth above (checked below).
  await expect(page.getByTestId('ope-verdict')).toContainText(
    'better than the log’s recommender: the example team policy',
  );
  await expect(page.getByTestId('ope-verdict')).toContainText(
    'too close to tell: best lower bound (pessimistic)',
  );
  await expect(page.getByTestId('ope-verdict')).toContainText(
    'worse: ε-greedy per segment, UCB1, Thompson (Beta)',
  );
  await expect(page.getByTestId('ope-why-agents')).toContainText('winner’s curse');
  const truthOf = (r: string[]) => Number(r[8]);
  expect(truthOf(rows[3]!)).toBeGreaterThan(1.2 * Number(truth));
  for (const r of rows.slice(0, 3)) expect(truthOf(r)).toBeLessThan(Number(truth));
  const example = rows[4]!;
  const [value, interval] = example[4]!.split('\n'); // doubly robust, and its interval
  const [low, high] = interval!.split('–').map(Number);
  expect(Number(value)).toBeGreaterThanOrEqual(low!);
  expect(Number(value)).toBeLessThanOrEqual(high!);
  // The example is the logging ranking made sharper: close to the log, its weights stay small.
  expect(Number(example[6]!.replace(/,/g, ''))).toBeGreaterThan(2500); // ESS of 5,000 rows
  const chart = page.locator('figure.estimates svg');
  await expect(chart).toHaveAttribute('data-policies', '5');
  await expect(chart.locator('path.truth')).toHaveCount(5);
  await expect(chart.locator('line.baseline')).toHaveCount(1);

  await page.getByTestId('ope-estimator').selectOption('ips');
  await expect(page.locator('figure.estimates .title')).toHaveText('IPS estimate per policy');
  const download = page.waitForEvent('download');
  await page.getByTestId('ope-example-download').click();
  expect((await download).suggestedFilename()).toBe('example-policy.csv');
  await page.getByTestId('ope-estimator').selectOption('dr');
  // The report, its chart, table and warnings included, passes axe's WCAG 2.1 AA checks in both themes.
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    const axe = await new AxeBuilder({ page })
      .include('section.ope')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`),
      colorScheme,
    ).toEqual([]);
  }
  await screenshot(page, 'ope-simulated');
  await page.locator('section.ope').screenshot({ path: 'test-results/screenshots/ope-view.png' });
  expect(problems.errors).toEqual([]);
});

test('judges a team’s policy file on a log of your own, with its propensities estimated and a broken file refused', async ({
  page,
  problems,
}, info) => {
  const shop = 'fashion';
  const segments = shopPreset(shop).shoppers.segments.map((s) => s.name);
  const log = simulatedBanditLog(shop, opeScenario(shop).logging, 3000, 5);
  const logPath = info.outputPath('shown.csv');
  writeFileSync(logPath, banditLogCsv(log, segments, { propensities: false }));
  // Every segment's policy: the first two items the log shows, half and half.
  const shown = [...new Set(log.action)].slice(0, 2).map((a) => `sku-${a + 1}`);
  const policy = segments.flatMap((s) => shown.map((item) => `${s},${item},0.5`));
  const good = info.outputPath('two-items.csv');
  writeFileSync(good, ['segment,item,probability', ...policy].join('\n'));
  const bad = info.outputPath('short.csv');
  writeFileSync(
    bad,
    ['segment,item,probability', ...policy.map((l) => l.replace(/0\.5$/, '0.45'))].join('\n'),
  );

  await page.goto('./#/shoppers');
  await page.getByTestId('logs-file').setInputFiles(logPath);
  await page.getByTestId('logs-accept').click();
  await page.getByTestId('logs-evaluate').click();
  await expect(page).toHaveURL(/#\/recsys/);
  await expect(page.getByTestId('ope-source')).toHaveValue('own');
  await expect(page.getByTestId('ope-own')).toContainText(
    'logs 3,000 recommendations, 0 rows with a propensity',
  );

  await page.getByTestId('ope-agent-ucb').uncheck();
  await page.getByTestId('ope-agent-ts-beta').uncheck();
  await page.getByTestId('ope-pessimistic').uncheck();
  await page.getByTestId('ope-policy-file').setInputFiles(bad);
  await expect(page.getByTestId('ope-policy-name')).toHaveText('short.csv');
  await page.getByTestId('ope-run').click();
  await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
  let rows = await tableRows(page);
  expect(rows[1]![0]).toBe('your policy “short.csv”');
  expect(rows[1]![1]).toContain('sum to 0.9000, not 1');

  await page.getByTestId('ope-policy-file').setInputFiles(good);
  await page.getByTestId('ope-run').click();
  await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
  rows = await tableRows(page);
  expect(rows.map((r) => r[0])).toEqual(['ε-greedy per segment', 'your policy “two-items.csv”']);
  expect(rows[1]).toHaveLength(1 + 5 + 2); // no truth for a log of your own
  await expect(page.getByTestId('ope-trust')).toContainText(
    'The log records no propensities: they are estimated as each item’s share of the shows in its segment',
  );
  await screenshot(page, 'ope-own-log');
  await page
    .locator('section.ope')
    .screenshot({ path: 'test-results/screenshots/ope-view-own.png' });
  expect(problems.errors).toEqual([]);
});

test('judges the race’s agents as they are, on a log the simulator writes in the race’s shop, and the race goes on', async ({
  page,
  problems,
}) => {
  await page.goto('./#/recsys');
  await page.getByTestId('ope-race').check();
  for (const id of ['ope-agent-egreedy-segment', 'ope-agent-ucb', 'ope-agent-ts-beta'])
    await page.getByTestId(id).uncheck();
  await page.getByTestId('ope-pessimistic').uncheck();
  await page.getByTestId('ope-example').uncheck();
  // No race yet: nothing to judge, and the page says what to do.
  await expect(page.getByTestId('ope-run')).toBeDisabled();
  await expect(page.locator('section.ope .actions')).toContainText('start a race first');

  // The demo race: random, UCB1, LinUCB and ε-greedy per segment on the 100-item fashion shop.
  await page.getByTestId('recsys-start').click();
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()), {
      timeout: 60_000,
    })
    .toBeGreaterThan(150);
  await page.getByTestId('ope-run').click();
  await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('ope-summary')).toContainText(
    'the race’s fashion shop (100 items, catalog seed 1)',
  );
  const rows = await tableRows(page);
  expect(rows.map((r) => r[0])).toEqual([
    'race: random',
    'race: UCB1',
    'race: LinUCB',
    'race: ε-greedy per segment',
  ]);
  await expect(page.getByTestId('ope-race-note')).toContainText('measured on a copy of the race');
  // What the race taught shows on the log: the segment learner's truth beats random's, and
  // its doubly robust interval, widened by half its width (±3 sd: when the race is asked
  // varies with the machine), holds that truth.
  const truthOf = (r: string[]) => Number(r[8]);
  expect(truthOf(rows[3]!)).toBeGreaterThan(truthOf(rows[0]!));
  const [low, high] = rows[3]![4]!.split('\n')[1]!.split('–').map(Number);
  const slack = (high! - low!) / 2;
  expect(truthOf(rows[3]!)).toBeGreaterThanOrEqual(low! - slack);
  expect(truthOf(rows[3]!)).toBeLessThanOrEqual(high! + slack);
  // Measured on a copy: the race itself is still racing.
  const at = Number(await page.getByTestId('recsys-step-count').innerText());
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()))
    .toBeGreaterThan(at);
  await screenshot(page, 'ope-race-agents');
  await page
    .locator('section.ope')
    .screenshot({ path: 'test-results/screenshots/ope-view-race.png' });
  expect(problems.errors).toEqual([]);
});

test('judges whole slates on a log of your own whose decisions show several items', async ({
  page,
  problems,
}, info) => {
  const problem = slateProblem(3);
  const logPath = info.outputPath('slates.csv');
  writeFileSync(logPath, slateLogCsv(problem, 4000, 2));
  const policyPath = info.outputPath('sharper.csv');
  writeFileSync(policyPath, sharpSlatePolicy(problem, 0.6).csv);

  await page.goto('./#/shoppers');
  await page.getByTestId('logs-file').setInputFiles(logPath);
  await page.getByTestId('logs-accept').click();
  await page.getByTestId('logs-evaluate').click();
  await expect(page.getByTestId('ope-source')).toHaveValue('own');
  await page.getByTestId('ope-agent-ts-beta').uncheck();
  await page.getByTestId('ope-policy-file').setInputFiles(policyPath);
  await page.getByTestId('ope-run').click();
  await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('ope-summary')).toContainText(
    'Judged on 2,000 slates of your log “slates.csv” (reward: a click), as slates of 3 items',
  );
  await expect(page.getByTestId('ope-summary')).toContainText('learned from the 2,000 before them');
  await expect(page.getByTestId('ope-verdict')).toContainText('By per-position IPS, with');
  await expect(page.getByTestId('ope-trust')).toContainText('Judged as whole slates');
  await expect(page.getByTestId('ope-table').locator('thead th')).toHaveText([
    'Policy',
    'Per-position IPS',
    'Pseudo-inverse (PI)',
    'ESS',
    'Largest weight',
  ]);
  const rows = await tableRows(page);
  expect(rows.map((r) => r[0])).toEqual([
    'ε-greedy per segment',
    'UCB1',
    'best lower bound (pessimistic)',
    'your policy “sharper.csv”',
  ]);
  for (const r of rows) expect(r).toHaveLength(1 + 2 + 2);
  await expect(page.getByTestId('ope-estimator')).toHaveValue('per-position-ips');
  await expect(page.locator('figure.estimates .title')).toHaveText(
    'Per-position IPS estimate per policy',
  );
  await expect(page.locator('figure.estimates')).toContainText('clicks a slate');
  await expect(page.getByTestId('toast')).toHaveCount(0, { timeout: 15_000 }); // the chart unhidden
  await screenshot(page, 'ope-slates');
  await page
    .locator('section.ope')
    .screenshot({ path: 'test-results/screenshots/ope-view-slates.png' });
  expect(problems.errors).toEqual([]);
});
