/**
 * Autosave and resume in real Chromium on WebGPU: a toy GAN saves on pause,
 * survives a reload and continues exactly (the same losses as a run that
 * never stopped); a session trained in one tab opens read-only in another.
 */
import type { Page } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { expect, raceUcbAgainst, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

const step = async (page: Page) => Number(await page.getByTestId('gan-step').innerText());
/** Points drawn in the losses chart: three series of one point per step. */
const lossPoints = async (page: Page) =>
  Number(await page.locator('svg[aria-label^="Losses"]').getAttribute('data-points'));
const lastLosses = async (page: Page) => [
  await page.getByTestId('gan-d-loss').innerText(),
  await page.getByTestId('gan-g-loss').innerText(),
];

async function trainToyAndPause(page: Page, atLeast: number): Promise<number> {
  await page.goto('./#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByRole('tab', { name: '2D toy GANs' }).click();
  await page.getByTestId('gan-batchSize').fill('16'); // software WebGPU is slow: small steps
  await page.getByRole('button', { name: 'Train' }).click();
  await expect.poll(() => step(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(atLeast);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  const at = await step(page);
  // Pausing autosaves: the run is in IndexedDB at exactly this step.
  await expect(page.getByTestId('save-status')).toContainText(`at step ${at},`);
  return at;
}

test('train, reload, resume: the curve continues exactly where it stopped', async ({ page }) => {
  const saved = await trainToyAndPause(page, 30);
  expect(await lossPoints(page)).toBe(3 * saved);

  // Go on 20 steps without saving them, to know what an unbroken run does next.
  await page.getByTestId('autosave-every').selectOption('0');
  await page.getByRole('button', { name: '×10 steps' }).click();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  await page.getByRole('button', { name: '×10 steps' }).click();
  await expect.poll(() => step(page)).toBe(saved + 20);
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  const unbroken = await lastLosses(page);
  expect(unbroken.every((v) => /^-?\d+\.\d{3}$/.test(v))).toBe(true);

  // Close the run (a reload), come back, and continue from the saved step.
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText(`saved at step ${saved}`);
  await screenshot(page, 'gan-resume-offer');
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await page.getByTestId('session-row').first().getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('toast').filter({ hasText: `at step ${saved}` })).toBeVisible();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  expect(await step(page)).toBe(saved);
  expect(await lossPoints(page)).toBe(3 * saved); // the curve came back with it

  await page.getByRole('button', { name: '×10 steps' }).click();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  await page.getByRole('button', { name: '×10 steps' }).click();
  await expect.poll(() => step(page)).toBe(saved + 20);
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  expect(await lossPoints(page)).toBe(3 * (saved + 20)); // one curve, no gap, no restart
  expect(await lastLosses(page)).toEqual(unbroken); // the same numbers as never stopping

  // Resume from the offer trains on at once.
  await page.getByTestId('autosave-every').selectOption('50');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => step(page)).toBeGreaterThan(saved + 30);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('save-status')).toContainText('Saved to “Toy GAN');
  await screenshot(page, 'gan-resumed');

  // The generator downloads in TensorFlow.js format.
  const download = page.waitForEvent('download');
  await page.getByTestId('gan-download-model').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^demandlab-toy-generator-step\d+-tfjs\.zip$/);
  const entries = unzipSync(new Uint8Array(readFileSync(await file.path())));
  expect(Object.keys(entries).sort()).toEqual(['README.txt', 'model.json', 'weights.bin']);
  const json = JSON.parse(strFromU8(entries['model.json']!)) as { format: string };
  expect(json.format).toBe('layers-model');
  expect(entries['weights.bin']!.length).toBeGreaterThan(1000);
});

test('one writer per session: a second tab opens it read-only and says so', async ({
  page,
  context,
}) => {
  const saved = await trainToyAndPause(page, 10);
  await page.getByTestId('save-session').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved as “Toy GAN' })).toBeVisible();

  const other = await context.newPage();
  const errors: string[] = [];
  other.on('pageerror', (e) => errors.push(e.message));
  await other.goto('./#/gan');
  // The run the first tab holds is not offered here.
  await expect(other.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(other.getByTestId('resume-offer')).toHaveCount(0);
  await other.getByRole('link', { name: 'Sessions', exact: true }).click();
  await other.getByTestId('session-row').first().getByRole('button', { name: 'Open' }).click();
  await expect(other.getByTestId('read-only')).toContainText('open in another tab');
  expect(Number(await other.getByTestId('gan-step').innerText())).toBe(saved);
  expect(await lossPoints(other)).toBe(3 * saved); // shown, not trained
  await expect(other.getByTestId('save-session')).toBeDisabled();
  await screenshot(other, 'gan-read-only');

  // The first tab starts a new run: it lets go, and the second tab can take the session over.
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect.poll(() => step(page)).toBeGreaterThan(0);
  await other.getByRole('link', { name: 'Sessions', exact: true }).click();
  await other
    .getByTestId('session-row')
    .filter({ hasNotText: 'unnamed autosave' })
    .getByRole('button', { name: 'Open' })
    .click();
  await expect(other.getByTestId('read-only')).toHaveCount(0);
  await expect(
    other.getByTestId('gan-phase'),
    await other.getByRole('main').innerText(),
  ).toHaveAttribute('data-phase', 'paused', { timeout: 30_000 });
  await other.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => step(other)).toBeGreaterThan(saved);
  expect(errors).toEqual([]);
  await other.close();
});

test('without IndexedDB (a private window) runs save in memory, with a visible warning', async ({
  page,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  const saved = await trainToyAndPause(page, 3);
  await expect(page.getByTestId('memory-only')).toBeVisible();
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await expect(page.getByTestId('sessions-memory')).toContainText('lost when it closes');
  await expect(page.getByTestId('session-row')).toHaveCount(1);
  await expect(page.getByTestId('session-row').first()).toContainText(String(saved));
  await expect(page.getByTestId('sessions-unavailable')).toHaveCount(0);
});

test('a race resumes exactly too: the same CSV as a race that never stopped', async ({ page }) => {
  const round = async () => Number(await page.getByTestId('recsys-step-count').innerText());
  const phase = page.getByTestId('recsys-phase');
  // The lab has a second toolbar (the source's models, under the race): this is the race's.
  const race = page.getByRole('toolbar', { name: 'Race controls' });
  const tenMore = async (to: number) => {
    for (let i = 0; i < 2; i++) {
      await race.getByRole('button', { name: '×10 steps' }).click();
      await expect(phase).toHaveAttribute('data-phase', 'paused');
    }
    await expect.poll(round).toBe(to);
  };
  const csv = async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('recsys-csv').click();
    return readFileSync(await (await download).path(), 'utf8');
  };

  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByTestId('recsys-shop').selectOption('electronics');
  await page.getByTestId('recsys-population').fill('4');
  await raceUcbAgainst(page, 'qlearning');
  await page.getByTestId('recsys-start').click();
  await expect.poll(round).toBeGreaterThanOrEqual(30);
  await page.getByTestId('recsys-pause').click();
  await expect(phase).toHaveAttribute('data-phase', 'paused');
  const saved = await round();
  await expect(page.getByTestId('save-status')).toContainText(
    `at round ${saved.toLocaleString('en-US')},`,
  );
  await page.getByTestId('autosave-every').selectOption('0');
  await tenMore(saved + 20);
  const unbroken = await csv();

  await page.reload();
  await expect(page.getByTestId('resume-offer')).toContainText(
    `saved at round ${saved.toLocaleString('en-US')}`,
  );
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await page.getByTestId('session-row').first().getByRole('button', { name: 'Open' }).click();
  await expect(
    page.getByTestId('toast').filter({ hasText: `at round ${saved.toLocaleString('en-US')}` }),
  ).toBeVisible();
  await expect(phase).toHaveAttribute('data-phase', 'paused');
  await tenMore(saved + 20);
  const resumed = await csv();
  // The whole race's curves, not only the 20 rounds since the resume: the first point comes
  // from the race's start (a row count would not do: points thin out past 1,000).
  const firstDecisions = Number(resumed.split('\n')[1]!.split(',')[1]);
  expect(firstDecisions).toBeLessThan(saved);
  expect(resumed).toBe(unbroken);
  await screenshot(page, 'recsys-resumed');
});
