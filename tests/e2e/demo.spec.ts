import {
  autoPrefers,
  demoStep,
  expect,
  inkedPixels,
  screenshot,
  test,
  waitForSteps,
} from './fixtures';

test('the demo trains inside the worker on WebGPU', async ({ page, problems }) => {
  await page.goto('./#/check');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(badge).toHaveText('WebGPU · SwiftShader (software)');
  await expect(page.getByTestId('webgpu-notice')).toHaveCount(0);

  // The page itself never loads TensorFlow.js: training is the worker's.
  expect(await page.evaluate(() => 'tf' in window)).toBe(false);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 30);
  await expect(page.getByTestId('demo-backend')).toHaveText('webgpu');
  const loss = page.getByRole('img', { name: /^Training loss: \d+ points/ });
  await expect(loss).toBeVisible();
  expect(
    Number(await page.locator('svg[data-points]').first().getAttribute('data-points')),
  ).toBeGreaterThan(10);
  expect(await page.locator('.charts path.line.main').first().getAttribute('d')).toMatch(
    /^M[\d.]+,[\d.]+L/,
  );
  expect(await inkedPixels(page, '.digits canvas')).toBeGreaterThan(500);
  await screenshot(page, 'start-webgpu-training');

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'paused');
  const paused = await demoStep(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => demoStep(page)).toBe(paused + 1);
  await page.getByRole('button', { name: '×10 steps' }).click();
  await expect.poll(() => demoStep(page)).toBe(paused + 11);
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'paused');

  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'stopped');
  expect(problems.errors).toEqual([]);
});

for (const backend of ['webgl', 'wasm', 'cpu'] as const) {
  test(`?backend=${backend} trains on ${backend}`, async ({ page }) => {
    await page.goto(`./?backend=${backend}#/check`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend);
    await expect(page.getByTestId('backend-select')).toHaveValue(backend);
    await page.getByRole('button', { name: 'Start' }).click();
    await waitForSteps(page, 3);
    await expect(page.getByTestId('demo-backend')).toHaveText(backend);
    await expect(page.getByTestId('webgpu-notice')).toHaveCount(0); // chosen, not fallen back to
    if (backend === 'wasm') {
      // Cross-origin isolated, so one thread per core (tfjs keeps 8 ready), started from
      // our own origin: the CSP refuses the blob: workers tfjs would make by default.
      const cores = await page.evaluate(() => Math.min(8, navigator.hardwareConcurrency));
      await expect(page.getByTestId('backend-badge')).toHaveText(
        `WASM · SIMD · ${cores} thread${cores === 1 ? '' : 's'}`,
      );
    }
    await screenshot(page, `start-${backend}`);
  });
}

test('?threads=1 keeps WASM on one thread, for comparisons', async ({ page }) => {
  await page.goto('./?backend=wasm&threads=1#/check');
  await expect(page.getByTestId('backend-badge')).toHaveText('WASM · SIMD · 1 thread');
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 3);
  await expect(page.getByTestId('demo-backend')).toHaveText('wasm');
});

test('a lost GPU device is reported and training moves to the next backend', async ({ page }) => {
  // Auto on a device where WebGPU timed fastest (remembered), then WASM: the loss moves to WASM.
  await autoPrefers(page, 'webgpu');
  await page.getByTestId('home-check-link').click();
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 2);
  await page.getByText('Resilience check').click();
  await page.getByRole('button', { name: 'Lose the GPU device' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'The GPU device was lost' }),
  ).toBeVisible();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'failed');
  await expect(
    page.getByRole('status').filter({ hasText: /^Stopped at step \d+: the GPU device was lost/ }),
  ).toBeVisible();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  // Auto cannot use WebGPU any more: the page says what runs instead, why, and where to read more.
  const note = page.getByTestId('webgpu-notice');
  await expect(note).toContainText(
    'WebGPU is not in use: its GPU device was lost earlier in this tab. Training runs on WASM',
  );
  await expect(note.getByRole('link', { name: /How to turn WebGPU on/ })).toHaveAttribute(
    'href',
    /^https:\/\//,
  );
  await screenshot(page, 'device-lost');
  // Training works again on the new backend.
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 2);
  await expect(page.getByTestId('demo-backend')).toHaveText('wasm');
});

test('auto times a training step once on this device, says why it chose, and can time again', async ({
  page,
}) => {
  await page.goto('./?backend=auto#/check');
  const badge = page.getByTestId('backend-badge');
  // On this machine the GPU is SwiftShader: WASM is timed, the software GPUs are ruled out.
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect(badge).toHaveAttribute(
    'title',
    /Auto chose WASM: the fastest at the article GAN's training step on this device \(measured just now\)/,
  );
  await expect(badge).toHaveAttribute('title', /WASM [\d.]+ steps\/s/);
  await expect(badge).toHaveAttribute(
    'title',
    /WebGPU: software rendering \(SwiftShader\), not timed/,
  );
  const note = page.getByTestId('webgpu-notice');
  await expect(note).toContainText(
    'WebGPU is not in use: here it renders in software (SwiftShader), and software GPUs trained',
  );
  await expect(note).toContainText(/Training runs on WASM \([\d.]+ steps\/s at the article GAN's/);
  // WebGPU works here, so there is no advice on turning it on.
  await expect(note.getByRole('link')).toHaveCount(0);
  await screenshot(page, 'auto-timed');

  const stored = () =>
    page.evaluate(
      () =>
        JSON.parse(localStorage.getItem('demandlab.autoBackend') ?? '[]') as {
          at: string;
          results: { name: string; stepsPerSecond: number | null }[];
        }[],
    );
  const first = await stored();
  expect(first).toHaveLength(1);
  expect(first[0]!.results.find((r) => r.name === 'wasm')?.stepsPerSecond).toBeGreaterThan(0);

  // The next visit uses the record: no timing, and the tooltip says so.
  await page.reload();
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect(badge).toHaveAttribute('title', /\(measured \d{4}-\d{2}-\d{2}, remembered\)/);
  expect(await stored()).toEqual(first);

  // The demo trains on the chosen backend: the timing left the worker in order.
  await page.getByRole('button', { name: 'Start' }).click();
  await waitForSteps(page, 3);
  await expect(page.getByTestId('demo-backend')).toHaveText('wasm');

  // "Auto: measure again" forgets the record and times anew.
  await page.getByTestId('backend-select').selectOption('measure');
  await expect(badge).toHaveAttribute('title', /\(measured just now\)/);
  await expect(page.getByTestId('backend-select')).toHaveValue('auto');
  const again = await stored();
  expect(again).toHaveLength(1);
  expect(again[0]!.at > first[0]!.at).toBe(true);
});

test('a lost WebGL context is handled the same way, moving on to WASM', async ({ page }) => {
  await page.goto('./?backend=webgl#/check');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgl');
  await page.getByText('Resilience check').click();
  await page.getByRole('button', { name: 'Lose the GPU device' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'WebGL context lost' })).toBeVisible();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
});

test('a corrupt data file gets a clear message, not a crash', async ({ page }) => {
  await page.route('**/data/mnist/mnist.bin', async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[1234] ^= 0xff;
    await route.fulfill({ response: res, body });
  });
  await page.goto('./?backend=cpu#/check');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'failed');
  await expect(
    page.getByRole('status').filter({ hasText: 'The MNIST file is corrupt' }),
  ).toContainText('npm run datasets');
});
