/**
 * Saved sessions in real Chromium with IndexedDB: save a race, find it after
 * a reload, rename, duplicate, compare, export and import it back, delete
 * with undo, refuse a bad file, and open its settings in the lab.
 */
import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { expect, raceUcbAgainst, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 180_000 });

/** Races UCB1 against Q-learning on a small electronics shop for `rounds`, then pauses. */
async function raceAndPause(page: Page, rounds: number): Promise<void> {
  await page.getByTestId('recsys-shop').selectOption('electronics');
  await page.getByTestId('recsys-population').fill('4');
  await raceUcbAgainst(page, 'qlearning');
  await page.getByTestId('recsys-start').click();
  await expect
    .poll(async () => Number(await page.getByTestId('recsys-step-count').innerText()))
    .toBeGreaterThanOrEqual(rounds);
  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');
}

test('a saved race survives a reload and can be renamed, compared, exported, imported, deleted and restored', async ({
  page,
}, info) => {
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await raceAndPause(page, 30);
  await page.getByTestId('save-session').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved' })).toBeVisible();

  await page.reload();
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByRole('textbox')).toHaveValue(
    /UCB1 vs Q-learning · electronics · seed 1/,
  );
  await expect(page.getByTestId('sessions-health')).toContainText('used of');

  // Rename, and the new name is still there after a reload.
  await rows.first().getByRole('textbox').fill('My first race');
  await rows.first().getByRole('textbox').press('Enter');
  await expect(
    page.getByTestId('toast').filter({ hasText: 'Renamed to “My first race”' }),
  ).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('session-row').first().getByRole('textbox')).toHaveValue(
    'My first race',
  );

  await rows.first().getByRole('button', { name: 'Duplicate' }).click();
  await expect(rows).toHaveCount(2);
  await rows.nth(0).getByRole('checkbox').check();
  await rows.nth(1).getByRole('checkbox').check();
  const compare = page.getByTestId('sessions-compare');
  await expect(compare.locator('svg[data-points]')).toBeVisible();
  expect(
    Number(await compare.locator('svg[data-points]').getAttribute('data-points')),
  ).toBeGreaterThan(10);

  // Export, then import the file: a third session with the same name.
  const download = page.waitForEvent('download');
  await page
    .getByRole('row', { name: /My first race(?! \(copy\))/ })
    .getByRole('button', { name: 'Export' })
    .click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('My-first-race.demandlab.zip');
  const path = info.outputPath('race.demandlab.zip');
  await file.saveAs(path);
  await page.getByTestId('sessions-file').setInputFiles(path);
  await expect(
    page.getByTestId('toast').filter({ hasText: 'Imported “My first race”' }),
  ).toBeVisible();
  await expect(rows).toHaveCount(3);

  // A file that is not a session is refused with the reason; nothing changes.
  const junk = info.outputPath('junk.zip');
  writeFileSync(junk, 'this is not a zip');
  await page.getByTestId('sessions-file').setInputFiles(junk);
  await expect(
    page.getByTestId('toast').filter({ hasText: 'not a DemandLab session file' }),
  ).toBeVisible();
  await expect(rows).toHaveCount(3);

  // Delete, then undo.
  await rows.first().getByRole('button', { name: 'Delete' }).click();
  await expect(rows).toHaveCount(2);
  await page.getByTestId('toast').getByRole('button', { name: 'Undo' }).click();
  await expect(rows).toHaveCount(3);
  await screenshot(page, 'sessions');

  // Open brings the saved settings back into the lab.
  await rows.first().getByRole('button', { name: 'Open' }).click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('recsys-population')).toHaveValue('4');
  await expect(page.getByTestId('recsys-shop')).toHaveValue('electronics');
});

test('a GAN run saves too; when storage is full the save is refused with a clear message and nothing is lost', async ({
  page,
}) => {
  // A small quota for this origin (Chrome DevTools Protocol), set before the database first opens,
  // as Chromium applies it to storage opened after it: room for a short GAN run, not for a long race.
  await page.goto('./');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 160 * 1024 });
  await page.goto('./#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByRole('tab', { name: '2D toy GANs' }).click();
  // A small toy GAN: its checkpoint (weights and Adam state) fits the small quota with room.
  await page.getByTestId('gan-toyHidden').fill('8');
  await page.getByRole('button', { name: 'Train' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('gan-step').innerText()), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(3);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  await page.getByTestId('save-session').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved as “Toy GAN' })).toBeVisible();

  await page.goto('./#/recsys');
  await raceAndPause(page, 2000);
  await page.getByTestId('save-session').click();
  // The autosave on pause is refused first; naming the race is refused too. Both say why.
  await expect(
    page
      .getByTestId('toast')
      .filter({ hasText: 'Storage is full, so this run is not being saved' }),
  ).toBeVisible();
  await expect(
    page.getByTestId('toast').filter({ hasText: 'storage for DemandLab is full' }),
  ).toBeVisible();
  // The race is still on the page, ready to save once there is room.
  await expect(page.getByTestId('save-session')).toBeEnabled();

  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  // The GAN run is intact. Chromium counts usage lazily, so an early autosave of the race may
  // have fitted before the quota ran out: then the name goes on that older state, and the
  // message says so. Otherwise the named save that did not fit left no session behind.
  const rows = page.getByTestId('session-row');
  await expect(rows.filter({ hasText: 'GAN lab' })).toHaveCount(1);
  const renamed = page
    .getByTestId('toast')
    .filter({ hasText: /^Named “.*The session keeps its state from step \d+/ });
  if ((await renamed.count()) === 0) await expect(rows).toHaveCount(1);
  else await expect(rows.filter({ hasText: 'Recommender lab' })).toHaveCount(1);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
});

test('a setup link opens the same settings in another tab; a damaged link says why', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByTestId('recsys-shop').selectOption('grocery');
  await page.getByTestId('recsys-population').fill('7');
  await page.getByTestId('recsys-seed').fill('5');
  await page.getByTestId('recsys-reward').fill('purchased * margin');
  await page.getByTestId('recsys-link').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Copied a link' })).toBeVisible();
  const url = await page.evaluate(() => navigator.clipboard.readText());
  expect(url).toMatch(/#\/recsys\?setup=[\w-]+$/);

  const other = await context.newPage();
  await other.goto(url);
  await expect(other.getByTestId('recsys-population')).toHaveValue('7');
  await expect(other.getByTestId('recsys-seed')).toHaveValue('5');
  await expect(other.getByTestId('recsys-shop')).toHaveValue('grocery');
  await expect(other.getByTestId('recsys-reward')).toHaveValue('purchased * margin');
  await expect(other).toHaveURL(/#\/recsys$/); // the setup is used once, then dropped from the address

  await other.goto('./#/recsys?setup=eyJub3QiOiJhIGNvbmZpZyJ9');
  await expect(other.getByTestId('toast').filter({ hasText: 'cannot be used' })).toBeVisible();
  await expect(other.getByTestId('recsys-population')).toHaveValue('7');

  // A setting an agent does not read, at a value no control allows: dropped, and the toast says so.
  const setup = JSON.parse(
    Buffer.from(new URL(url).hash.split('setup=')[1]!, 'base64url').toString(),
  ) as { population: number; agents: { kind: string; replay: number }[] };
  const bandit = setup.agents.findIndex((a) => a.kind !== 'dqn');
  expect(bandit).toBeGreaterThanOrEqual(0);
  setup.agents[bandit]!.replay = -5;
  setup.population = 9;
  await other.goto(`./#/recsys?setup=${Buffer.from(JSON.stringify(setup)).toString('base64url')}`);
  await expect(other.getByTestId('toast').filter({ hasText: `Agent ${bandit + 1}` })).toContainText(
    'does not use replay',
  );
  await expect(other.getByTestId('recsys-population')).toHaveValue('9');
  await screenshot(other, 'recsys-link-note');

  // The GAN lab's settings travel the same way.
  await page.goto('./#/gan');
  await page.getByRole('tab', { name: '2D toy GANs' }).click();
  await page.getByTestId('gan-seed').fill('7');
  await page.getByTestId('gan-toyHidden').fill('32');
  await page.getByTestId('gan-link').click();
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await expect.poll(clipboard).toMatch(/#\/gan\?setup=[\w-]+$/);
  const ganUrl = await clipboard();
  await other.goto(ganUrl);
  await expect(other.getByRole('tab', { name: '2D toy GANs' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(other.getByTestId('gan-seed')).toHaveValue('7');
  await expect(other.getByTestId('gan-toyHidden')).toHaveValue('32');
  await other.close();
});
