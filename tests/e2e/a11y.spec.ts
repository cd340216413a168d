/**
 * Accessibility: axe-core scans every view, in both themes, with its charts
 * and tables drawn, and finds no serious or critical WCAG 2.1 A/AA problem
 * (contrast, names of controls, structure).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  acceptSampleLog,
  expect,
  raceUcbAgainst,
  screenshot,
  test,
  trainSmallShopperGan,
} from './fixtures';

async function seriousProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every view passes axe in the ${colorScheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const views: Record<string, string[]> = {};
    /** Scans the view and keeps a screenshot of it in this theme, for a person to look at. */
    const scan = async (view: string) => {
      views[view] = await seriousProblems(page);
      await screenshot(page, `theme-${colorScheme}-${view}`);
    };

    await page.goto('./');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
    await expect(page.getByTestId('home-lab')).toHaveCount(3);
    await scan('home');

    await page.goto('./#/check');
    await expect(page.locator('figure.chart svg').first()).toBeVisible();
    await scan('check');

    await page.goto('./#/gan');
    await expect(page.getByRole('heading', { name: 'GAN lab' })).toBeVisible();
    await scan('gan');

    // A short race, so the curves, the flow and the agent's insides are drawn.
    await page.goto('./#/recsys');
    await page.getByRole('button', { name: 'Remove agent 1' }).click();
    await page.getByTestId('recsys-start').click();
    await expect(page.getByTestId('recsys-pause')).toBeVisible();
    await expect(page.locator('figure.chart path.line').first()).toHaveAttribute('d', /L/);
    await page.getByTestId('recsys-pause').click();
    await scan('recsys');

    // The sample log, a few GAN steps with the fidelity views, and a small cold-start run.
    await acceptSampleLog(page);
    await trainSmallShopperGan(page);
    await expect(page.getByTestId('fidelity')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('shopper-gan-pause').click();
    await page.getByTestId('cold-start-new').fill('40');
    await page.getByTestId('cold-start-pretrain').fill('50');
    await page.getByTestId('cold-start-run').click();
    await expect(page.getByTestId('cold-start-table')).toBeVisible({ timeout: 60_000 });
    await scan('shoppers');

    await page.goto('./#/sessions');
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
    await scan('sessions');

    await page.goto('./#/guide');
    await page.getByRole('button', { name: 'The recommender lab' }).click();
    await expect(page.getByTestId('guide-page').locator('table').first()).toBeVisible();
    await scan('guide');

    await page.goto('./#/learn');
    await expect(page.getByTestId('lesson-card').first()).toBeVisible();
    await scan('lessons');

    // A lesson open beside its lab, formulas and all.
    await page.locator('[data-lesson="what-a-gan-is"]').getByRole('button').click();
    await page.getByTestId('lesson-next').click();
    await page.getByTestId('lesson-next').click();
    await expect(page.getByTestId('lesson-panel').locator('math')).toHaveCount(2);
    await scan('lesson');

    // Presenter mode, with the shortcut list open.
    await page.getByTestId('presenter-toggle').click();
    await page.locator('main').focus();
    await page.keyboard.press('?');
    await expect(page.getByTestId('shortcut-help')).toBeVisible();
    await scan('presenter');

    expect(views).toEqual({
      home: [],
      check: [],
      gan: [],
      recsys: [],
      shoppers: [],
      sessions: [],
      guide: [],
      lessons: [],
      lesson: [],
      presenter: [],
    });
  });
}

test('with reduced motion asked for, the funnel counts move but no dots fly', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto('./#/recsys');
  await page.getByRole('button', { name: 'Remove agent 1' }).click();
  await page.getByTestId('recsys-start').click();
  const flow = page.getByTestId('recsys-flow').locator('svg');
  const shown = async () =>
    Number(/Shown a slate (\d+)/.exec((await flow.getAttribute('aria-label')) ?? '')?.[1] ?? 0);
  await expect.poll(shown).toBeGreaterThan(100);
  await expect(flow).toHaveAttribute('data-dots', '0');
  await expect(flow.locator('circle')).toHaveCount(0);
});

test('a line chart offers its data as a table', async ({ page }) => {
  await page.goto('./#/recsys');
  // UCB1 alone: one line, so at most 20 rows.
  await page.getByRole('button', { name: 'Remove agent 4' }).click();
  await page.getByRole('button', { name: 'Remove agent 3' }).click();
  await page.getByRole('button', { name: 'Remove agent 1' }).click();
  await page.getByTestId('recsys-start').click();
  const chart = page.getByTestId('recsys-curves').locator('figure.chart').first();
  await expect(chart.locator('svg')).toHaveAttribute('data-points', /^[1-9]/);
  await page.getByTestId('recsys-pause').click();
  await chart.getByText('Data', { exact: true }).click();
  const table = chart.getByRole('table');
  await expect(table.getByRole('columnheader')).toHaveText(['Line', 'decisions', 'Value']);
  const rows = table.locator('tbody tr');
  await expect(rows.first()).toContainText('UCB1');
  expect(await rows.count()).toBeGreaterThan(0);
  expect(await rows.count()).toBeLessThanOrEqual(20);
  await screenshot(page, 'chart-data-table');
});

test('on a tablet every view fits the width: nothing scrolls sideways', async ({ page }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  const overflow = () =>
    page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
  const wide: Record<string, number> = {};
  for (const [view, ready] of [
    ['', 'Generative models'],
    ['check', 'Live demo'],
    ['learn', 'Lessons'],
    ['gan', 'GAN lab'],
    ['recsys', 'Recommender lab'],
    ['shoppers', 'Synthetic shoppers'],
    ['sessions', 'Sessions'],
  ] as const) {
    await page.goto(`./#/${view}`);
    await expect(page.getByRole('heading', { level: 2, name: new RegExp(ready) })).toBeVisible();
    wide[view || 'start'] = await overflow();
    await screenshot(page, `tablet-${view || 'start'}`);
  }
  // A lesson open on a tablet sits above its lab.
  await page.goto('./#/learn');
  await page.locator('[data-lesson="explore-exploit"]').getByRole('button').click();
  await expect(page.getByTestId('lesson-panel')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Recommender lab' })).toBeVisible();
  wide['lesson'] = await overflow();
  const panel = await page.getByTestId('lesson-panel').boundingBox();
  const lab = await page.getByRole('heading', { level: 2, name: 'Recommender lab' }).boundingBox();
  expect(panel!.y).toBeLessThan(lab!.y);
  await screenshot(page, 'tablet-lesson');
  expect(wide).toEqual({
    start: 0,
    check: 0,
    learn: 0,
    gan: 0,
    recsys: 0,
    shoppers: 0,
    sessions: 0,
    lesson: 0,
  });
});

test('every chart of a race offers its numbers as a table', async ({ page }) => {
  await page.goto('./#/recsys');
  await raceUcbAgainst(page, 'qlearning'); // arm bands and a Q-table
  await page.getByTestId('recsys-start').click();
  await expect(page.getByTestId('recsys-q')).toBeVisible();
  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');

  const toggles = page.locator('details.data > summary');
  const n = await toggles.count();
  // Four curves, the reward preview's bars, UCB1's arm bands, Q-learning's Q-table.
  expect(n).toBeGreaterThanOrEqual(7);
  for (let i = 0; i < n; i++) await toggles.nth(i).click();
  const tables = page.locator('details.data table');
  await expect(tables).toHaveCount(n);
  for (let i = 0; i < n; i++)
    expect(await tables.nth(i).locator('tbody tr').count()).toBeGreaterThan(0);

  // The arm table gives each item's pulls, estimate, band and truth; some items were tried.
  const arms = page.locator('figure.arms table');
  await expect(arms.getByRole('columnheader')).toHaveText([
    'Item',
    'Pulls',
    'Estimate',
    '95% band',
    'True expected reward',
  ]);
  const pulls = await arms.locator('tbody tr td:nth-of-type(1)').allInnerTexts();
  expect(pulls.some((p) => Number(p.replace(/,/g, '')) > 0)).toBe(true);
  // The Q-table's rows are the states, one value per item column.
  const q = page.getByTestId('recsys-q').locator('table');
  const heads = await q.getByRole('columnheader').count();
  expect(await q.locator('tbody tr').first().locator('td').count()).toBe(heads - 1);
  await screenshot(page, 'chart-tables');
});
