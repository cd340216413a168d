import { defineConfig } from '@playwright/test';
import { chromiumArgs } from './tests/bench/chromium-args.mjs';

/** Debian's chromium by default; CHROMIUM_PATH for machines that keep it elsewhere. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const port = 4173;
/** The dev server, for pages that check one module in a real browser (tests/e2e/harness/). */
const devPort = 4175;
export const DEV_SERVER = `http://localhost:${devPort}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/playwright',
  // Software WebGPU compiles shaders slowly; one worker keeps the 2-core CI machine responsive.
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 60_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://localhost:${port}/`,
    launchOptions: { executablePath, args: chromiumArgs },
    viewport: { width: 1280, height: 900 },
    // Each test has a fresh profile; precaching 15 MB in every one of them would only
    // slow the suite. offline.spec.ts turns the service worker back on.
    serviceWorkers: 'block',
  },
  webServer: [
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${port} --strictPort`,
      url: `http://localhost:${port}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
    {
      command: `npx vite --port ${devPort} --strictPort`,
      url: `${DEV_SERVER}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
  ],
});
