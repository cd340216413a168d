import { readFileSync } from 'node:fs';
import { expect, screenshot, test } from './fixtures';

test('labs are reachable by keyboard', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('backend-badge')).not.toHaveText('Starting…');
  await page.keyboard.press('Tab'); // skip link
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab'); // the brand
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Home' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'GAN lab' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/gan$/);
  await expect(page.getByRole('heading', { name: 'GAN lab' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'GAN lab' })).toHaveAttribute('aria-current', 'page');
  // The GAN views are tabs: arrow keys move between them.
  await page.getByRole('tab', { name: 'Article example' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'DCGAN' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'DCGAN' })).toHaveAttribute('aria-selected', 'true');

  await page.getByRole('link', { name: 'Recommender lab', exact: true }).click();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByRole('heading', { name: 'Recommender lab' })).toBeVisible();
  await expect(page.getByTestId('recsys-start')).toBeEnabled();

  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await expect(page).toHaveURL(/#\/sessions$/);
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await expect(page.getByTestId('sessions-empty')).toBeVisible();
});

test('the backend menu switches backend and records it in the address', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'cpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('CPU · plain JavaScript');
  expect(new URL(page.url()).searchParams.get('backend')).toBe('cpu');
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'cpu');
});

test('an unknown ?backend= is explained and auto is used', async ({ page }) => {
  await page.goto('./?backend=cuda');
  await expect(
    page.getByRole('status').filter({ hasText: 'Unknown backend "cuda"' }),
  ).toBeVisible();
  // Auto times the backends; on this software GPU, WASM wins.
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
});

test('dark theme follows the system setting', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('./');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(bg).toBe('rgb(18, 21, 27)');
  await screenshot(page, 'start-dark');
});

test('the page is served under a strict CSP with cross-origin isolation', async ({ page }) => {
  const res = await page.goto('./');
  const headers = res!.headers();
  const csp = headers['content-security-policy']!;
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(
    await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'),
  ).toContain("default-src 'self'");
  // Hosts that read a _headers file get the same headers, frame-ancestors included.
  const file = await (await page.request.get('./_headers')).text();
  for (const name of [
    'content-security-policy',
    'cross-origin-opener-policy',
    'cross-origin-embedder-policy',
    'cross-origin-resource-policy',
  ])
    expect(file).toMatch(new RegExp(`^  ${name}: ${literal(headers[name]!)}$`, 'im'));
  expect(file).toContain("frame-ancestors 'none'");
  // The README's hosting section lists the same headers, word for word.
  const readme = readFileSync('README.md', 'utf8');
  const listed = readme.slice(readme.indexOf('## Hosting')).split('```')[1]!.trim().split('\n');
  expect(listed.length).toBe(file.trim().split('\n').length - 1);
  for (const line of listed) expect(file).toContain(`  ${line}\n`);
});

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
