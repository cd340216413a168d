import type { Page } from '@playwright/test';
import { demoStep, expect, screenshot, test, waitForSteps } from './fixtures';

test('presenter mode runs the demo from the keyboard alone', async ({ page }) => {
  await page.goto('./#/check');
  const html = page.locator('html');
  const settings = page.getByRole('group', { name: /Settings/ });
  await expect(settings).toBeVisible();

  // P turns presenter mode on: larger type, advanced controls hidden, the bar shown.
  const before = await html.evaluate((e) => getComputedStyle(e).fontSize);
  await page.keyboard.press('p');
  await expect(html).toHaveClass(/presenter/);
  await expect(page.getByTestId('presenter-bar')).toBeVisible();
  expect(parseFloat(await html.evaluate((e) => getComputedStyle(e).fontSize))).toBeGreaterThan(
    parseFloat(before),
  );
  await expect(settings).toBeHidden();
  await expect(page.locator('footer')).toBeHidden();

  // ? lists the keys; Escape closes the list.
  await page.keyboard.press('?');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  await expect(help.getByRole('row')).toHaveCount(9);
  // Space right after Escape starts training: the closed list's button does not take it.
  await page.keyboard.press('Escape');
  await page.keyboard.press(' ');
  await expect(help).toBeHidden();

  // Space started it; → pauses then steps, Shift+→ steps ten, space resumes, R starts again.
  await waitForSteps(page, 5);
  const phase = page.getByTestId('demo-phase');
  await page.keyboard.press('ArrowRight');
  await expect(phase).toHaveAttribute('data-phase', 'paused');
  const held = await demoStep(page);
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => demoStep(page)).toBe(held + 1);
  await page.keyboard.press('Shift+ArrowRight');
  await expect.poll(() => demoStep(page)).toBe(held + 11);
  await page.keyboard.press(' ');
  await expect(phase).toHaveAttribute('data-phase', 'running');
  await page.keyboard.press('r');
  await expect.poll(() => demoStep(page)).toBeLessThan(held);
  await expect(phase).toHaveAttribute('data-phase', 'running');
  await screenshot(page, 'presenter-start');

  // F asks for full screen (headless grants it); F again leaves it.
  await page.keyboard.press('f');
  await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
  await page.keyboard.press('f');
  await expect.poll(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);

  // The choice is remembered; P turns it off again.
  await page.reload();
  await expect(html).toHaveClass(/presenter/);
  await page.keyboard.press('p');
  await expect(html).not.toHaveClass(/presenter/);
  await expect(settings).toBeVisible();
});

const ganStep = async (page: Page) => Number(await page.getByTestId('gan-step').innerText());

test('warm start opens a saved GAN run paused, and keys typed in a field stay there', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('./#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByRole('tab', { name: '2D toy GANs' }).click();
  await page.getByTestId('presenter-toggle').click();
  const bar = page.getByTestId('presenter-bar');
  await expect(bar).toContainText('Warm start: no saved run yet');

  const phase = page.getByTestId('gan-phase');
  const batch = page.getByTestId('gan-batchSize');
  await batch.fill('16'); // software WebGPU is slow: small steps
  await batch.press(' ');
  await batch.press('r');
  await expect(phase).toHaveAttribute('data-phase', 'idle');
  await batch.blur();

  await page.keyboard.press(' ');
  await expect.poll(() => ganStep(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(20);
  await page.keyboard.press('ArrowRight');
  await expect(phase).toHaveAttribute('data-phase', 'paused');
  const saved = await ganStep(page);
  await expect(page.getByTestId('save-status')).toContainText(`at step ${saved},`);

  // Another day, another laptop lid: the saved run opens paused at its step, no training wait.
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/presenter/);
  const choice = page.getByTestId('warm-start-select');
  await expect(choice.locator('option').first()).toContainText(`step ${saved}`);
  await page.getByTestId('warm-start').click();
  await expect(phase).toHaveAttribute('data-phase', 'paused');
  expect(await ganStep(page)).toBe(saved);
  await screenshot(page, 'presenter-gan-warm');
  await page.keyboard.press(' ');
  await expect.poll(() => ganStep(page), { timeout: 120_000 }).toBeGreaterThan(saved);
});

/** The element lies wholly inside the 1280 × 720 window, with the page at its top. */
async function onScreen(page: Page, testid: string | null, selector?: string): Promise<void> {
  const el = testid ? page.getByTestId(testid) : page.locator(selector!).first();
  await expect(el).toBeVisible();
  await page.evaluate(() => scrollTo(0, 0));
  const box = (await el.boundingBox())!;
  expect(box.y, `${testid ?? selector} starts below the header`).toBeGreaterThan(0);
  expect(box.y + box.height, `${testid ?? selector} ends on screen`).toBeLessThanOrEqual(720);
  expect(box.x + box.width).toBeLessThanOrEqual(1280);
}

test('presenting at 1280 × 720, each lab’s picture and run controls fit one screen', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('./#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByTestId('presenter-toggle').click();
  // The bar is one row: no taller than the header's own controls.
  const bar = (await page.getByTestId('presenter-bar').boundingBox())!;
  expect(bar.height).toBeLessThan(60);

  // Quick digits: the whole ten-by-ten grid beside the controls (small steps: software WebGPU).
  await page.getByRole('tab', { name: 'Quick digits' }).click();
  await page.getByTestId('gan-batchSize').fill('8');
  await page.getByTestId('gan-sampleEvery').fill('1');
  await page.getByTestId('gan-start').click();
  await expect(page.locator('.samples canvas')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('gan-pause').click();
  await onScreen(page, null, '.samples canvas');
  await onScreen(page, 'gan-start');
  await onScreen(page, 'gan-step');
  await screenshot(page, 'presenter-quick-digits');

  // The toy field, the same way.
  await page.getByRole('tab', { name: '2D toy GANs' }).click();
  await onScreen(page, null, '.toy-view .field');
  await onScreen(page, 'gan-start');

  // The race: its controls, and the reward and regret charts, while the demo race runs and
  // tells its story above them.
  await page.goto('./#/recsys');
  await onScreen(page, 'recsys-start');
  await page.getByTestId('recsys-start').click();
  await expect(page.getByTestId('recsys-story')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('recsys-pause').click();
  const charts = page.getByTestId('recsys-curves').locator('svg[role="img"]');
  for (const i of [0, 1]) {
    await page.evaluate(() => scrollTo(0, 0));
    const box = (await charts.nth(i).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(720);
  }
  await onScreen(page, 'recsys-start');
  await screenshot(page, 'presenter-race');
});
