/**
 * The source's three recommender models train in the worker, in real
 * Chromium on WebGPU: each on the shipped sample log for two epochs, its
 * held-out metrics filling a row per epoch, and collaborative filtering on a
 * log the simulator writes, where the table adds its check against the
 * simulator's true click probabilities; then that CF model, and the log's
 * bestseller list, race Q-learning and random in the shop that wrote the log.
 */
import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { simulatedLog } from '../../src/core/rl/sim/simulated-log';
import { expect, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

async function train(page: Page, model: string, source: string, epochs: number): Promise<void> {
  await page.getByTestId('log-model-kind').selectOption(model);
  await page.getByTestId('log-model-source').selectOption(source);
  if (source === 'simulated') await page.getByTestId('log-model-sessions').fill('2000');
  await page.getByTestId('log-model-epochs').fill(String(epochs));
  await page.getByTestId('log-model-start').click();
  await expect(page.getByTestId('log-model-message')).toHaveText(
    `Trained ${epochs} epoch${epochs === 1 ? '' : 's'}. Press Play to train on.`,
    { timeout: 120_000 },
  );
}

/**
 * A shop's export (the simulator's log of 400 sessions from `seed`, no id of
 * it the simulator's) written to `path`, read and accepted under Shoppers,
 * and offered to the models panel.
 */
async function offerOwnLog(page: Page, path: string, seed: number): Promise<void> {
  const csv = simulatedLog({ shop: 'fashion', sessions: 400, seed }).csv.replace(
    /sku-(\d+)/g,
    (_, n: string) => `P${(Number(n) * 7919) % 100_003}`,
  );
  writeFileSync(path, csv);
  await page.goto('./#/shoppers');
  await page.getByTestId('logs-file').setInputFiles(path);
  await page.getByTestId('logs-accept').click();
  await page.getByTestId('logs-train-models').click();
}

/** The table's cells under the heading `column`, row by row. */
async function column(page: Page, name: string): Promise<string[]> {
  const table = page.getByTestId('log-model-epochs-table');
  const heads = await table.locator('thead th').allInnerTexts();
  const at = heads.indexOf(name);
  expect(at, `a "${name}" column in ${heads.join(', ')}`).toBeGreaterThan(0);
  return table.locator(`tbody tr > :nth-child(${at + 1})`).allInnerTexts();
}

test('trains CF, the demand predictor and the two-headed network on the sample log, and CF on a simulated one', async ({
  page,
  problems,
}) => {
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(
    page.getByRole('heading', { name: 'The source’s own recommender models' }),
  ).toBeVisible();
  const rows = page.getByTestId('log-model-epochs-table').locator('tbody tr');

  await train(page, 'cf', 'sample', 2);
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('log-model-status')).toContainText('· 2 epochs done (');
  await expect(page.getByTestId('log-model-data')).toContainText('2,404 rows, 300 shoppers');
  for (const auc of await column(page, 'AUC')) expect(Number(auc)).toBeGreaterThan(0);
  const hits = (await column(page, 'Hit rate @10')).map(Number);
  expect(hits.every((h) => h >= 0 && h <= 1)).toBe(true);
  // A sample log has no truth: no column for it.
  expect(
    await page.getByTestId('log-model-epochs-table').locator('thead th').allInnerTexts(),
  ).not.toContain('Spearman vs true clicks');

  await train(page, 'predictor', 'sample', 2);
  await expect(rows).toHaveCount(2);
  const loss = (await column(page, 'Log-loss')).map(Number);
  const base = (await column(page, 'Base rate’s log-loss')).map(Number);
  expect(loss[1]).toBeGreaterThan(0);
  expect(base[1]).toBeGreaterThan(0);

  await train(page, 'two-headed', 'sample', 2);
  await expect(rows).toHaveCount(2);
  expect((await column(page, 'Clicked item in top 10')).map(Number)[1]).toBeGreaterThanOrEqual(0);

  // A simulated log: the learned item ranking against the true click probabilities.
  await train(page, 'cf', 'simulated', 2);
  await expect(page.getByTestId('log-model-data')).toContainText('2,000 shoppers');
  const rho = (await column(page, 'Spearman vs true clicks')).map(Number);
  expect(rho[1]).toBeGreaterThan(0.3);
  // Play trains on past the epochs asked for.
  await page.getByTestId('log-model-play').click();
  await expect(rows).toHaveCount(3, { timeout: 120_000 });
  await page.getByTestId('log-model-pause').click();
  await screenshot(page, 'log-models');
  expect(problems.errors).toEqual([]);
});

test('CF trained on a simulated log races in the shop that wrote it, beside the log’s bestseller list', async ({
  page,
  problems,
}) => {
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('log-model-race')).toHaveCount(0); // nothing trained, nothing to race
  await train(page, 'cf', 'simulated', 1);
  const offer = page.getByTestId('log-model-race');
  await expect(offer).toContainText('a simulated fashion log of 2,000 sessions');
  await offer.getByRole('button', { name: 'Race CF against Q-learning' }).click();

  // The race runs in the log's shop with what the log taught, and the setup says so.
  await expect(page.getByTestId('recsys-from-log')).toContainText(
    'a simulated fashion log of 2,000 sessions',
  );
  await expect(page.getByTestId('recsys-items')).toHaveValue('400');
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()), {
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(200);
  const curves = page.getByTestId('recsys-curves');
  for (const name of [
    'CF (trained on a log)',
    'popularity (the log’s sales)',
    'Q-learning',
    'random',
  ])
    await expect(curves).toContainText(name);
  await expect(page.getByTestId('recsys-why-cf').locator('math')).toBeVisible();
  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');
  await screenshot(page, 'log-models-race');

  // Without the log CF cannot race: the setup says where to get one.
  await page
    .getByTestId('recsys-from-log')
    .getByRole('button', { name: 'Race without the log' })
    .click();
  await expect(page.getByTestId('recsys-config-error')).toContainText(
    'CF races only from a model trained on a log',
  );
  expect(problems.errors).toEqual([]);
});

test('the two-headed network trained on a simulated log races there, learning by its policy-gradient step', async ({
  page,
  problems,
}) => {
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await train(page, 'two-headed', 'simulated', 1);
  const offer = page.getByTestId('log-model-race');
  await expect(offer).toContainText('draws each item from its softmax head');
  await offer
    .getByRole('button', { name: 'Race the two-headed network against Q-learning' })
    .click();

  await expect(page.getByTestId('recsys-from-log')).toContainText(
    'the two-headed network and popularity start from what a simulated fashion log of 2,000 sessions taught them',
  );
  await expect(page.getByTestId('recsys-agent-0')).toHaveValue('two-headed');
  // Past 200 rounds (1,600 decisions): some 50 policy-gradient steps on the GPU.
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()), {
      timeout: 90_000,
    })
    .toBeGreaterThanOrEqual(200);
  await expect(page.getByTestId('recsys-curves')).toContainText(
    'two-headed network (trained on a log)',
  );
  await expect(page.getByTestId('recsys-why-two-headed').locator('math')).toBeVisible();
  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');
  await expect(page.getByTestId('recsys-message')).toHaveCount(0);
  await screenshot(page, 'log-models-two-headed-race');
  expect(problems.errors).toEqual([]);
});

test('a log of your own, read under Shoppers, trains CF, which races in a shop of the log’s items', async ({
  page,
  problems,
}, info) => {
  await offerOwnLog(page, info.outputPath('shop-export.csv'), 5);

  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('log-model-source')).toHaveValue('own');
  const items = await page.getByTestId('log-model-own').innerText();
  expect(items).toMatch(/on \d{3} items\. What a model learns from it can race/);
  await screenshot(page, 'log-models-own-log');
  await page.getByTestId('log-model-epochs').fill('1');
  await page.getByTestId('log-model-start').click();
  await expect(page.getByTestId('log-model-message')).toHaveText(
    'Trained 1 epoch. Press Play to train on.',
    { timeout: 120_000 },
  );
  const offer = page.getByTestId('log-model-race');
  await expect(offer).toContainText('your log “shop-export.csv”');
  await offer.getByRole('button', { name: 'Race CF against Q-learning' }).click();
  await expect(page.getByTestId('recsys-from-log')).toContainText('your log “shop-export.csv”');
  const n = /on (\d+) items/.exec(items)![1]!;
  await expect(page.getByTestId('recsys-items')).toHaveValue(n);
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()), {
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(100);
  await expect(page.getByTestId('recsys-curves')).toContainText('CF (trained on a log)');
  await page.getByTestId('recsys-pause').click();
  expect(problems.errors).toEqual([]);
});

test('a model run on your own log saves with its log, survives a reload and trains on exactly', async ({
  page,
  problems,
}, info) => {
  await offerOwnLog(page, info.outputPath('shop-export.csv'), 6);
  await expect(page.getByTestId('log-model-source')).toHaveValue('own');
  await page.getByTestId('log-model-epochs').fill('1');
  await page.getByTestId('log-model-start').click();
  await expect(page.getByTestId('log-model-message')).toHaveText(
    'Trained 1 epoch. Press Play to train on.',
    { timeout: 120_000 },
  );
  // Pausing at the epochs asked for autosaves the run, your log with it.
  const status = await page.getByTestId('log-model-status').innerText();
  const saved = Number(/^Step ([\d,]+)/.exec(status)![1]!.replace(/,/g, ''));
  await expect(page.getByTestId('log-model-save-status')).toContainText(`at step ${saved},`);
  await page.getByTestId('log-model-autosave-every').selectOption('0');

  const controls = page.getByRole('toolbar', { name: 'Recommender model training controls' });
  const rows = page.getByTestId('log-model-epochs-table').locator('tbody tr');
  /** Ten steps at a time until the second epoch is measured; its row, less the training time. */
  const secondEpoch = async () => {
    while ((await rows.count()) < 2) {
      await controls.getByRole('button', { name: '×10 steps' }).click();
      await expect(page.getByTestId('log-model-phase')).toHaveAttribute('data-phase', 'paused');
    }
    return (await rows.nth(1).locator('th, td').allInnerTexts()).slice(0, -1);
  };
  const unbroken = await secondEpoch();

  await page.reload();
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  const row = page.getByTestId('session-row').filter({ hasText: 'Recommender models' });
  await expect(row.getByRole('textbox')).toHaveValue(
    'Collaborative filtering on your log shop-export.csv · seed 1',
  );
  await screenshot(page, 'sessions-model-run');
  await row.getByRole('button', { name: 'Open' }).click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(
    page.getByTestId('toast').filter({ hasText: `at step ${saved.toLocaleString('en-US')}` }),
  ).toBeVisible();
  await expect(page.getByTestId('log-model-phase')).toHaveAttribute('data-phase', 'paused');
  // The log came back from the session: the form offers it again.
  await expect(page.getByTestId('log-model-source')).toHaveValue('own');
  await expect(page.getByTestId('log-model-own')).toContainText('events of 400 shoppers');
  await expect(rows).toHaveCount(1);
  expect(await secondEpoch()).toEqual(unbroken);
  await screenshot(page, 'log-models-resumed');

  // What CF learned by the second epoch's end races in the shop of your log's items.
  await page
    .getByTestId('log-model-race')
    .getByRole('button', { name: 'Race CF against Q-learning' })
    .click();
  await expect(page.getByTestId('recsys-from-log')).toContainText('your log “shop-export.csv”');
  await page.getByTestId('recsys-pause').click();
  expect(problems.errors).toEqual([]);
});
