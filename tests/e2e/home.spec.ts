/**
 * The home page: three labs with one button each that starts a ready demo on
 * WebGPU, the lessons, the backend check, and "continue where you left off"
 * once a run is saved.
 */
import type { Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

async function home(page: Page): Promise<void> {
  await page.goto('./');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
}

test('shows the three labs, the lessons and the backend check, and nothing to continue yet', async ({
  page,
}) => {
  await home(page);
  const labs = page.getByTestId('home-lab');
  await expect(labs).toHaveCount(3);
  await expect(labs.locator('h3')).toHaveText(['GAN lab', 'Recommender lab', 'Synthetic shoppers']);
  for (const id of ['gan', 'recsys', 'shoppers'])
    await expect(page.getByTestId(`home-demo-${id}`)).toBeEnabled();
  await expect(page.getByTestId('home-continue')).toHaveCount(0);
  // At a projector's 1280 px the header is one row.
  await page.setViewportSize({ width: 1280, height: 720 });
  const header = await page.locator('header.app-header').boundingBox();
  const brand = await page.locator('.brand').boundingBox();
  expect(header!.height).toBeLessThan(brand!.height * 3);
  await screenshot(page, 'home');

  await page.getByRole('button', { name: 'What a GAN is' }).click();
  await expect(page).toHaveURL(/#\/gan$/);
  await expect(page.getByTestId('lesson-panel')).toBeVisible();

  await home(page);
  await page.getByTestId('home-check-link').click();
  await expect(page.getByRole('heading', { name: /Live demo/ })).toBeVisible();
});

test('the GAN demo trains the quick-digits GAN on WebGPU', async ({ page, problems }) => {
  await home(page);
  await page.getByTestId('home-demo-gan').click();
  await expect(page).toHaveURL(/#\/gan$/);
  await expect(page.getByRole('tab', { name: 'Quick digits' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect
    .poll(async () => Number(await page.getByTestId('gan-step').innerText()), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('gan-backend')).toHaveText('webgpu');
  await page.getByTestId('gan-pause').click();
  expect(problems.errors).toEqual([]);
});

test('the race demo pits learners against random and tells the story; the race is offered to continue', async ({
  page,
  problems,
}) => {
  await home(page);
  await page.getByTestId('home-demo-recsys').click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'running');
  const story = page.getByTestId('recsys-story');
  await expect(story).toBeVisible({ timeout: 60_000 });
  await expect(story).toContainText(/than the random baseline’s|the random baseline’s/);
  expect(Number(await story.getAttribute('data-ctr-ratio'))).toBeGreaterThan(0);
  await page.getByTestId('recsys-pause').click();
  await page.getByTestId('save-session').click();
  await expect(page.getByTestId('save-status')).toContainText('Saved to');

  await home(page);
  const resume = page.getByTestId('home-continue');
  await expect(resume).toContainText('random vs UCB1 vs LinUCB');
  await resume.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');
  expect(problems.errors).toEqual([]);
});

test('the shoppers demo reads the sample log and shows the fidelity views', async ({ page }) => {
  await home(page);
  await page.getByTestId('home-demo-shoppers').click();
  await expect(page).toHaveURL(/#\/shoppers$/);
  await expect(page.getByTestId('fidelity')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('shopper-gan-pause').click();
});
