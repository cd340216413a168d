/**
 * The in-app guide (#/guide): its pages are the markdown files in
 * src/ui/guide, rendered with their headings, tables, code and pictures.
 */
import { readdirSync } from 'node:fs';
import { expect, screenshot, test } from './fixtures';

test('the guide shows every page of src/ui/guide, with tables, code and pictures', async ({
  page,
}) => {
  await page.goto('./#/guide');
  const nav = page.getByRole('navigation', { name: 'Guide pages' });
  const files = readdirSync('src/ui/guide').filter((f) => f.endsWith('.md'));
  await expect(nav.getByRole('button')).toHaveCount(files.length);
  const article = page.getByTestId('guide-page');
  await expect(article.getByRole('heading', { level: 1 })).toHaveText('What each lab does');
  await expect(nav.getByRole('button', { name: 'What each lab does' })).toHaveAttribute(
    'aria-current',
    'page',
  );

  // The reward language's table and the race's screenshot, served from the site's root.
  await nav.getByRole('button', { name: 'The recommender lab' }).click();
  await expect(article.getByRole('heading', { level: 1 })).toHaveText('The recommender lab');
  await expect(article.locator('table').first()).toContainText('purchased');
  const picture = article.locator('img').first();
  await expect(picture).toHaveJSProperty('complete', true);
  expect(await picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  // A link to another page of the guide or to a source file is plain text in the app.
  expect(await article.locator('a[href^="#"], a[href^="src/"]').count()).toBe(0);

  await nav.getByRole('button', { name: 'Recommender experiments' }).click();
  await expect(
    article.locator('pre code', { hasText: 'npm run experiment' }).first(),
  ).toBeVisible();

  await nav.getByRole('button', { name: 'Source material' }).click();
  await expect(article).toContainText('five short tutorial articles');
  await screenshot(page, 'guide');
});

test('the footer and the header lead to the guide', async ({ page }) => {
  await page.goto('./');
  await page
    .getByRole('contentinfo')
    .getByRole('link', { name: /the guide/ })
    .click();
  await expect(page).toHaveURL(/#\/guide$/);
  await expect(page.getByTestId('guide-page')).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Labs' }).getByRole('link', { name: 'Guide' }),
  ).toHaveAttribute('aria-current', 'page');
});
