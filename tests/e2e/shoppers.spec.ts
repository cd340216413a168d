/**
 * The synthetic-shoppers lab's first part in Chromium: the sample log and a
 * damaged log are read in the worker, refused rows are listed with their
 * lines, and an accepted log's shoppers are drawn feature by feature.
 */
import { acceptSampleLog, expect, screenshot, test, trainSmallShopperGan } from './fixtures';

test('reads the sample log and a damaged one, lists refused rows, and shows accepted shoppers', async ({
  page,
}, info) => {
  await page.goto('./#/shoppers');
  await page.getByTestId('logs-sample').click();
  const summary = page.getByTestId('logs-summary');
  await expect(summary).toContainText('sample-interactions.csv');
  await expect(page.getByTestId('logs-accepted')).toHaveText('2,404');
  await expect(page.getByTestId('logs-refused')).toHaveText('0');
  await expect(page.getByTestId('logs-segments')).toHaveText('3');

  // A damaged log: two bad rows are listed by line; nothing is used until accepted.
  const { writeFileSync } = await import('node:fs');
  const path = info.outputPath('damaged.csv');
  writeFileSync(
    path,
    [
      'user_id,item_id,event,price',
      'a,1,view,3',
      'a,1,like,3',
      'b,2,click,3',
      'b,2,view,free',
      '"c",3,purchase,9.5',
    ].join('\n'),
  );
  await page.getByTestId('logs-file').setInputFiles(path);
  await expect(summary).toContainText('damaged.csv');
  await expect(page.getByTestId('logs-accepted')).toHaveText('3');
  await expect(page.getByTestId('logs-refused')).toHaveText('2');
  const problems = page.getByTestId('logs-problems');
  await expect(problems).toContainText('has the event “like”');
  await expect(problems.getByRole('row')).toHaveCount(3); // the header and two rows
  await expect(problems.getByRole('row').nth(1)).toContainText('3');
  await expect(problems.getByRole('row').nth(2)).toContainText('5');
  await screenshot(page, 'shoppers-refused');
  await expect(page.getByTestId('logs-features')).toHaveCount(0);

  // Not a log at all: the reason, and nothing else changes.
  const junk = info.outputPath('junk.csv');
  writeFileSync(junk, 'name,age\nbob,3\n');
  await page.getByTestId('logs-file').setInputFiles(junk);
  await expect(page.getByTestId('logs-error')).toContainText('no user_id, item_id, event columns');

  await page.getByTestId('logs-sample').click();
  await page.getByTestId('logs-accept').click();
  const features = page.getByTestId('logs-features');
  await expect(features).toContainText('300 shoppers');
  await expect(features.locator('svg')).toHaveCount(14); // 8 top categories, "other", and 5 more
  await screenshot(page, 'shoppers-features');
});

test('trains the shopper GAN on the sample log, draws the fidelity views, and spends privacy under DP', async ({
  page,
}) => {
  await acceptSampleLog(page);
  const gan = page.getByTestId('shopper-gan');
  await trainSmallShopperGan(page);
  await expect(page.getByTestId('shopper-gan-status')).toContainText(
    '240 training shoppers, 60 held out',
  );
  const fidelity = page.getByTestId('fidelity');
  await expect(fidelity).toBeVisible({ timeout: 60_000 });
  await expect(gan).toContainText('in the background worker on webgpu');
  // 14 feature spreads and the distance histogram, two correlation maps, the PCA plane.
  await expect(fidelity.locator('figure.bars')).toHaveCount(15);
  await expect(fidelity.locator('figure.heatmap canvas')).toHaveCount(2);
  await expect(fidelity.locator('figure.scatter svg')).toHaveAttribute(
    'aria-label',
    /240 real, 500 synthetic/,
  );
  await expect(page.getByTestId('fidelity-memorisation')).toHaveText(/ok|flagged/);
  const bySegment = page.getByTestId('segment-fidelity');
  await expect(bySegment.locator('tbody tr')).toHaveCount(3);
  await expect(bySegment).toContainText('premium');
  await expect(gan.locator('figure.chart svg')).toBeVisible();
  await page.getByTestId('shopper-gan-pause').click();
  await screenshot(page, 'shoppers-gan');

  const download = page.waitForEvent('download');
  await page.getByTestId('shopper-gan-download').click();
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0]!.split(',')).toContain('price band');
  expect(lines[0]).toMatch(/,segment$/); // the GAN is conditioned on the sample's segments
  expect(lines).toHaveLength(501);
  expect(lines[1]!.split(',')).toHaveLength(15);

  // Differential privacy: a new run with noise reports the ε it has spent.
  await gan.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('shopper-gan-dp').check();
  await page.getByTestId('shopper-gan-noise').fill('2');
  await page.getByTestId('shopper-gan-start').click();
  await expect(page.getByTestId('shopper-gan-privacy')).toContainText(/ε = \d+\.\d\d at δ = 1e-5/, {
    timeout: 60_000,
  });
  await page.getByTestId('shopper-gan-pause').click();
  // Both runs side by side: what the noise costs in fidelity.
  const runs = page.getByTestId('shopper-gan-runs').locator('tbody tr');
  await expect(runs).toHaveCount(2);
  await expect(runs.nth(0)).toContainText('off');
  await expect(runs.nth(1)).toContainText('DP, σ 2, C 1');
  await expect(runs.nth(1).locator('td').nth(1)).toHaveText(/^\d+\.\d\d$/); // its ε
  await screenshot(page, 'shoppers-gan-private');
});

test('measures the cold-start gain, serves the synthetic shoppers in the recommender lab, and forgets both for a new log', async ({
  page,
}) => {
  await acceptSampleLog(page);
  const experiment = page.getByTestId('cold-start');
  await expect(page.getByTestId('cold-start-no-gan')).toBeVisible();

  const gan = page.getByTestId('shopper-gan');
  await gan.getByLabel('Hidden units').fill('16');
  await gan.getByLabel('Check fidelity every').fill('20');
  await page.getByTestId('shopper-gan-start').click();
  await expect(page.getByTestId('fidelity')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('shopper-gan-pause').click();
  await expect(page.getByTestId('cold-start-no-gan')).toHaveCount(0);

  await page.getByTestId('cold-start-new').fill('60');
  await page.getByTestId('cold-start-pretrain').fill('200');
  await page.getByTestId('cold-start-run').click();
  const table = page.getByTestId('cold-start-table');
  await expect(table).toBeVisible({ timeout: 60_000 });
  await expect(table).toContainText('60 new shoppers, first 5 steps each');
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('Cold start');
  await expect(rows.nth(0)).toContainText('nobody');
  await expect(rows.nth(1)).toContainText(
    /Pre-trained on GAN shoppers200 sessions \(GAN at step \d+\)/,
  );
  await expect(rows.nth(2)).toContainText('Pre-trained on the real log');
  await expect(rows.nth(1).locator('td').nth(1)).toHaveText(/^\d+\.\d% ± \d+\.\d%$/);
  await expect(experiment.locator('figure.chart svg')).toHaveCount(2);
  await screenshot(page, 'shoppers-cold-start');

  // The GAN's shoppers of one segment become the recommender lab's population.
  await page.getByTestId('shopper-gan-serve-segment').selectOption('premium');
  await page.getByTestId('shopper-gan-serve').click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('recsys-synthetic')).toContainText(
    /Shoppers: \d+ from “premium” shoppers of the shopper GAN at step \d+ on sample-interactions\.csv/,
  );
  await page.getByTestId('recsys-shop').selectOption('grocery');
  await expect(page.getByTestId('recsys-synthetic')).toBeVisible(); // a new shop keeps them
  await screenshot(page, 'recsys-synthetic');
  await page.getByRole('button', { name: 'Use the shop’s own shoppers' }).click();
  await expect(page.getByTestId('recsys-synthetic')).toHaveCount(0);

  // A new log: the old run's views and the experiment's result go.
  await acceptSampleLog(page);
  await expect(page.getByTestId('shopper-gan-status')).toHaveText('Not trained yet.');
  await expect(page.getByTestId('fidelity')).toHaveCount(0);
  await expect(page.getByTestId('shopper-gan-runs')).toHaveCount(0);
  await expect(table).toHaveCount(0);
});
