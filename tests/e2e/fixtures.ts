/**
 * Shared e2e fixture: every test's page records console errors, uncaught
 * errors and CSP violations, and the test fails if any appeared.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export interface Problems {
  errors: string[];
}

export const test = base.extend<{ problems: Problems }>({
  problems: async ({ page }, use) => {
    const problems: Problems = { errors: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') problems.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.message}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
      });
    });
    await use(problems);
    expect(problems.errors, 'console errors, page errors or CSP violations').toEqual([]);
  },
});

export { expect };

/** Saves a full-page screenshot under test-results/screenshots/ for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The step counter of the demo job. */
export async function demoStep(page: Page): Promise<number> {
  return Number(await page.getByTestId('demo-step').innerText());
}

/** Waits until the demo has run at least `n` steps. */
export async function waitForSteps(page: Page, n: number): Promise<void> {
  await expect.poll(() => demoStep(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(n);
}

/** Counts canvas pixels that are not background white, to tell a drawn grid from a blank one. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 0 && d[i]! < 128) n++;
    return n;
  });
}
