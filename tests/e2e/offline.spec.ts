import { expect, screenshot, test, waitForSteps } from './fixtures';

test.use({ serviceWorkers: 'allow' });

test('once visited, the app reloads and trains with the network blocked', async ({
  page,
  context,
}) => {
  await page.goto('./');
  const status = page.getByTestId('offline-status');
  await expect(status).toContainText('Saved on this device');
  await expect(
    page.getByRole('status').filter({ hasText: 'it now opens and trains without a network' }),
  ).toBeVisible();

  await context.setOffline(true);
  // Proof the network is gone: a file the worker never cached cannot be fetched.
  expect(
    await page.evaluate(() =>
      fetch('./not-cached.txt').then(
        () => 'fetched',
        () => 'failed',
      ),
    ),
  ).toBe('failed');

  await page.reload();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  // Cached responses keep their headers: still cross-origin isolated, still under the CSP.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(status).toContainText('Saved on this device');
  await page.getByTestId('home-check-link').click();
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 5); // MNIST and the worker's code came from the cache
  await expect(page.getByTestId('demo-backend')).toHaveText('webgpu');
  await page.getByRole('button', { name: 'Stop' }).click();

  // The labs load on first visit: their chunks, KaTeX and the sample log are cached too.
  await page.goto('./#/gan');
  await expect(page.getByRole('heading', { name: 'GAN lab', level: 2 })).toBeVisible();
  await page.goto('./#/recsys');
  await expect(page.getByRole('heading', { name: 'Recommender lab', level: 2 })).toBeVisible();
  await page.goto('./#/shoppers');
  await page.getByTestId('logs-sample').click();
  await expect(page.getByTestId('logs-accepted')).not.toHaveText('0');

  // The wasm backend's binaries are cached: a new address, offline, trains on wasm.
  await page.goto('./?backend=wasm#/check');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 3);
  await expect(page.getByTestId('demo-backend')).toHaveText('wasm');
  await screenshot(page, 'offline-wasm');
});
