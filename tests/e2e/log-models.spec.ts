/**
 * The source's three recommender models train in the worker, in real
 * Chromium on WebGPU: each on the shipped sample log for two epochs, its
 * held-out metrics filling a row per epoch, and collaborative filtering on a
 * log the simulator writes, where the table adds its check against the
 * simulator's true click probabilities.
 */
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

async function train(page: Page, model: string, source: string, epochs: number): Promise<void> {
  await page.getByTestId('log-model-kind').selectOption(model);
  await page.getByTestId('log-model-source').selectOption(source);
  if (source === 'simulated') await page.getByTestId('log-model-sessions').fill('2000');
  await page.getByTestId('log-model-epochs').fill(String(epochs));
  await page.getByTestId('log-model-start').click();
  await expect(page.getByTestId('log-model-message')).toHaveText(
    `Trained ${epochs} epochs. Press Play to train on.`,
    { timeout: 120_000 },
  );
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
  await expect(page.getByTestId('log-model-data')).toContainText('2,506 rows, 300 shoppers');
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
