/**
 * The synthetic-shoppers lab's first part in Chromium: the sample log and a
 * damaged log are read in the worker, refused rows are listed with their
 * lines, and an accepted log's shoppers are drawn feature by feature.
 */
import { expect, screenshot, test } from './fixtures';

test('reads the sample log and a damaged one, lists refused rows, and shows accepted shoppers', async ({
  page,
}, info) => {
  await page.goto('./#/shoppers');
  await page.getByTestId('logs-sample').click();
  const summary = page.getByTestId('logs-summary');
  await expect(summary).toContainText('sample-interactions.csv');
  await expect(page.getByTestId('logs-accepted')).toHaveText('2,506');
  await expect(page.getByTestId('logs-refused')).toHaveText('0');
  await expect(summary).toContainText('Ignored columns: segment');

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
