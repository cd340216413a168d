/**
 * Shared e2e fixture: every test's page records console errors, uncaught
 * errors and CSP violations, and the test fails if any appeared. Pages run on
 * WebGPU unless the address names a backend: on this machine's software GPU,
 * "auto" times the backends and picks WASM, and the suite is meant to drive
 * the WebGPU path. Tests of auto ask for it with `?backend=auto`.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export interface Problems {
  errors: string[];
}

/** `url` with `backend=webgpu` in its query when it names no backend (before any #hash). */
export function onWebgpuUnlessNamed(url: string): string {
  if (/[?&]backend=/.test(url)) return url;
  const at = url.indexOf('#');
  const [path, hash] = at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
  return `${path}${path.includes('?') ? '&' : '?'}backend=webgpu${hash}`;
}

const onWebgpu = new WeakSet<Page>();
/** Makes `page.goto` ask for WebGPU unless the address names a backend; same-page links stay same-page. */
function gotoWebgpu(page: Page): void {
  if (onWebgpu.has(page)) return;
  onWebgpu.add(page);
  const goto = page.goto.bind(page);
  page.goto = (url, options) => goto(onWebgpuUnlessNamed(url), options);
}

export const test = base.extend<{ problems: Problems }>({
  context: async ({ context }, use) => {
    context.on('page', gotoWebgpu);
    await use(context);
  },
  page: async ({ page }, use) => {
    gotoWebgpu(page);
    await use(page);
  },
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

/**
 * Makes "auto" on this device prefer `name`, as if it had timed fastest: auto
 * times the backends once (?backend=auto), then the remembered record is
 * edited and the page reloaded, which uses it without timing again.
 */
export async function autoPrefers(page: Page, name: 'webgpu' | 'webgl'): Promise<void> {
  await page.goto('./?backend=auto');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', /.+/);
  await page.evaluate((fast) => {
    const records = JSON.parse(localStorage.getItem('demandlab.autoBackend') ?? '[]') as {
      results: {
        name: string;
        stepsPerSecond: number | null;
        firstStepMs: number | null;
        note: string;
      }[];
    }[];
    const record = records[0]!;
    record.results = [
      { name: fast, stepsPerSecond: 1e6, firstStepMs: 1, note: '' },
      ...record.results.filter((r) => r.name !== fast),
    ];
    localStorage.setItem('demandlab.autoBackend', JSON.stringify(records));
  }, name);
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', name);
}

/**
 * Turns the lab's opening race (random, UCB1, LinUCB, ε-greedy per segment) into UCB1 against
 * `rival`, the two-agent race most recommender tests use.
 */
export async function raceUcbAgainst(page: Page, rival: string): Promise<void> {
  await page.getByRole('button', { name: 'Remove agent 4' }).click();
  await page.getByRole('button', { name: 'Remove agent 3' }).click();
  await page.getByTestId('recsys-agent-0').selectOption('ucb');
  await page.getByTestId('recsys-agent-1').selectOption(rival);
}

/** Opens the synthetic-shoppers lab with the shipped sample log read and accepted. */
export async function acceptSampleLog(page: Page): Promise<void> {
  await page.goto('./#/shoppers');
  await page.getByTestId('logs-sample').click();
  await page.getByTestId('logs-accept').click();
}

/** Starts a small shopper GAN (16 hidden units, fidelity every 10 steps) on the accepted log. */
export async function trainSmallShopperGan(page: Page): Promise<void> {
  const gan = page.getByTestId('shopper-gan');
  await gan.getByLabel('Hidden units').fill('16');
  await gan.getByLabel('Check fidelity every').fill('10');
  await page.getByTestId('shopper-gan-start').click();
}
