/**
 * The GAN lab in real Chromium on WebGPU (SwiftShader): each view trains a
 * few steps of a small-batch model, the charts get points, the canvases are
 * not blank. Software WebGPU is slow, so batches are tiny and steps few.
 */
import type { Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { expect, inkedPixels, screenshot, test } from './fixtures';
import { encodePng } from './png';

test.describe.configure({ timeout: 240_000 });

async function ganStep(page: Page): Promise<number> {
  return Number(await page.getByTestId('gan-step').innerText());
}

async function waitForGanSteps(page: Page, n: number): Promise<void> {
  await expect.poll(() => ganStep(page), { timeout: 180_000 }).toBeGreaterThanOrEqual(n);
}

async function openView(page: Page, tab: string): Promise<void> {
  await page.goto('./#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await page.getByRole('tab', { name: tab }).click();
  await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
}

async function set(page: Page, key: string, value: number): Promise<void> {
  await page.getByTestId(`gan-${key}`).fill(String(value));
}

test('the article example trains on WebGPU with samples, IS/FID and the corrected code', async ({
  page,
}) => {
  await openView(page, 'Article example');
  await expect(page.getByRole('heading', { name: /article's code/ })).toBeVisible();
  await expect(page.getByText('1,112,720 parameters')).toBeVisible();
  // The selected loss is shown as MathML from KaTeX.
  await expect(page.locator('[data-loss="non-saturating"] math').first()).toBeVisible();

  await set(page, 'batchSize', 8);
  await set(page, 'sampleEvery', 2);
  await set(page, 'metricsEvery', 4);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 4);
  await expect(page.getByTestId('gan-backend')).toHaveText('webgpu');
  await expect(page.getByTestId('gan-is')).toHaveText(/^\d+\.\d\d \/ \d+\.\d\d real$/, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('gan-fid')).toHaveText(/^\d+\.\d \/ \d+\.\d real$/);
  const losses = page.getByRole('img', { name: /^Losses: \d+ points/ });
  expect(Number(await losses.getAttribute('data-points'))).toBeGreaterThan(3);
  expect(await inkedPixels(page, '.samples canvas')).toBeGreaterThan(1000);

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('gan-phase')).toHaveAttribute('data-phase', 'paused');
  const paused = await ganStep(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => ganStep(page), { timeout: 60_000 }).toBe(paused + 1);
  await screenshot(page, 'gan-article');
});

test('settings: a bad value is refused at its control; a rebuild-only change says so', async ({
  page,
}) => {
  await openView(page, '2D toy GANs');
  await set(page, 'batchSize', 0);
  await expect(page.getByRole('alert')).toHaveText(/Batch size\s+must be from 2 to 512/);
  await expect(page.getByTestId('gan-batchSize')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Train' })).toBeDisabled();
  await set(page, 'batchSize', 64);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 2);
  await set(page, 'latentSize', 3);
  await expect(page.getByTestId('gan-rebuild-note')).toHaveText(
    /Latent size z changed: press Reset/,
  );
  // A live setting goes through without a rebuild.
  await page.getByTestId('gan-loss').selectOption('hinge');
  await expect(page.locator('[data-loss="hinge"] h4')).toHaveText(/training with this/);
});

test('the toy GAN draws real, generated, warp and field; drawing your own points trains', async ({
  page,
}) => {
  await openView(page, '2D toy GANs');
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 20);
  await expect(page.getByTestId('gan-backend')).toHaveText('webgpu');
  const field = page.locator('.field canvas');
  await expect(field).toHaveAttribute('data-fake', '600');
  await expect(page.getByTestId('gan-modes')).toHaveText(/^\d \/ 8$/);
  await screenshot(page, 'gan-toy-ring');

  await page.getByTestId('gan-distribution').selectOption('drawn');
  await page.getByTestId('gan-draw').click();
  const box = (await field.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
  await page.mouse.down();
  for (let i = 0; i <= 30; i++) {
    const t = i / 30;
    await page.mouse.move(
      box.x + box.width * (0.2 + 0.6 * t),
      box.y + box.height * (0.3 + 0.4 * Math.sin(t * Math.PI)),
    );
  }
  await page.mouse.up();
  await expect.poll(async () => Number(await field.getAttribute('data-real'))).toBeGreaterThan(10);
  await page.getByTestId('gan-draw').click();
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect.poll(() => ganStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('gan-rebuild-note')).toHaveCount(0);
  await screenshot(page, 'gan-toy-drawn');
});

test('DCGAN trains on WebGPU and walks the latent space between two picked samples', async ({
  page,
}) => {
  await openView(page, 'DCGAN');
  await set(page, 'batchSize', 8);
  await set(page, 'metricsEvery', 0);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 3);
  await expect(page.getByTestId('gan-backend')).toHaveText('webgpu');
  const grid = page.locator('.samples canvas');
  expect(await inkedPixels(page, '.samples canvas')).toBeGreaterThan(1000);
  const box = (await grid.boundingBox())!;
  const cell = box.width / 8;
  await grid.click({ position: { x: cell * 0.5, y: cell * 0.5 } });
  await grid.click({ position: { x: cell * 7.5, y: cell * 0.5 } });
  await expect(page.getByRole('img', { name: 'From sample 1 to 8' })).toBeVisible({
    timeout: 60_000,
  });
  expect(await inkedPixels(page, '.walk canvas')).toBeGreaterThan(500);
  await screenshot(page, 'gan-dcgan');
});

test("the DCGAN trains on WASM too, with the app's own Conv2DBackpropFilter", async ({ page }) => {
  await page.goto('./?backend=wasm#/gan');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await page.getByRole('tab', { name: 'DCGAN' }).click();
  await set(page, 'metricsEvery', 0);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 5);
  await expect(page.getByTestId('gan-backend')).toHaveText('wasm');
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await inkedPixels(page, '.samples canvas')).toBeGreaterThan(1000);
  await screenshot(page, 'gan-dcgan-wasm');
});

test('the article GAN trains on one-thread WASM, the build a host without isolation gets', async ({
  page,
}) => {
  // One thread: the unshared memory, which a growing heap detaches (the batch gather once
  // kept a view across that).
  await page.goto('./?backend=wasm&threads=1#/gan');
  await expect(page.getByTestId('backend-badge')).toContainText('1 thread');
  await page.getByRole('tab', { name: 'Article example' }).click();
  await set(page, 'metricsEvery', 0);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 30);
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await inkedPixels(page, '.samples canvas')).toBeGreaterThan(1000);
});

test('the conditional GAN shows one row per digit and makes the digit asked for', async ({
  page,
}) => {
  await openView(page, 'Conditional GAN');
  await set(page, 'batchSize', 8);
  await set(page, 'metricsEvery', 0);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 2);
  await expect(
    page.getByRole('img', { name: /Generated digits at step \d+: 100 images/ }),
  ).toBeVisible();
  await page
    .getByRole('group', { name: 'Ask for a digit' })
    .getByRole('button', { name: '7' })
    .click();
  await expect(page.getByRole('img', { name: 'Ten new 7s: 10 images' })).toBeVisible({
    timeout: 60_000,
  });
  await screenshot(page, 'gan-conditional');
});

/** A coloured disc on white, its colour and place varying with i. */
function disc(i: number): Buffer {
  const colours: [number, number, number][] = [
    [220, 30, 30],
    [30, 90, 220],
    [20, 160, 60],
  ];
  const [cx, cy, r] = [20 + (i % 5) * 4, 15 + (i % 3) * 3, 8 + (i % 4)];
  return encodePng(48, 36, (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 < r * r ? colours[i % 3]! : [255, 255, 255],
  );
}

test('your own images: a folder of PNGs and a zip become a colour set, bad files are listed, the DCGAN trains on it', async ({
  page,
}) => {
  await openView(page, 'DCGAN');
  await page.getByTestId('gan-dataset').selectOption('own');
  await expect(page.getByRole('alert').filter({ hasText: /add your images first/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Train' })).toBeDisabled();

  const zip = zipSync({
    'more/d12.png': disc(12),
    'more/d13.png': disc(13),
    'more/readme.txt': new TextEncoder().encode('not an image'),
  });
  await page.getByTestId('own-files').setInputFiles([
    ...Array.from({ length: 12 }, (_, i) => ({
      name: `disc-${i}.png`,
      mimeType: 'image/png',
      buffer: disc(i),
    })),
    { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('this is no PNG') },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
    { name: 'extra.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) },
  ]);
  await expect(page.getByTestId('own-summary')).toContainText(
    '14 images in 32×32 colour, 3 files skipped',
    { timeout: 60_000 },
  );
  const skipped = page.getByTestId('own-skipped');
  await expect(skipped).toContainText('broken.png: not a readable image');
  await expect(skipped).toContainText('notes.txt: .txt is not an image type');
  await expect(skipped).toContainText('extra.zip/more/readme.txt');
  // The preview shows the discs in colour: red, blue and green pixels all appear.
  const colours = await page
    .getByRole('img', { name: /Your images as the GAN sees them: 14 images/ })
    .locator('canvas')
    .evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = { red: 0, green: 0, blue: 0 };
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
        if (r > 150 && g < 100 && b < 100) seen.red++;
        if (g > 120 && r < 100 && b < 100) seen.green++;
        if (b > 150 && r < 100) seen.blue++;
      }
      return seen;
    });
  expect(colours.red).toBeGreaterThan(50);
  expect(colours.green).toBeGreaterThan(50);
  expect(colours.blue).toBeGreaterThan(50);

  await set(page, 'batchSize', 8);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForGanSteps(page, 2);
  await expect(
    page.getByRole('img', { name: /Generated images at step \d+: 64 images/ }),
  ).toBeVisible();
  await expect(page.getByTestId('gan-own-quality')).toBeVisible();
  // The latent walk by keyboard: number the two samples and submit.
  const form = page.getByRole('form', { name: 'Walk between two samples' });
  await form.getByLabel('From sample').fill('2');
  await form.getByLabel('to sample').fill('5');
  await form.getByLabel('to sample').press('Enter');
  await expect(page.getByRole('img', { name: 'From sample 2 to 5: 10 images' })).toBeVisible({
    timeout: 60_000,
  });
  await screenshot(page, 'gan-own-images');

  // Greyscale: the same files are made again, and the running job waits for Reset.
  await page.getByTestId('own-format').selectOption('grey28');
  await expect(page.getByTestId('own-summary')).toContainText('14 images in 28×28 greyscale', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('gan-rebuild-note')).toContainText('Data changed');

  // Dropping files replaces the set.
  const dropped = Array.from({ length: 9 }, (_, i) => disc(i + 20).toString('base64'));
  const transfer = await page.evaluateHandle((pngs) => {
    const dt = new DataTransfer();
    pngs.forEach((b64, i) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], `dropped-${i}.png`, { type: 'image/png' }));
    });
    return dt;
  }, dropped);
  await page.getByTestId('own-drop').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('own-summary')).toContainText('9 images in 28×28 greyscale.', {
    timeout: 60_000,
  });
});

test('the first step shows its progress, and is timed for next time', async ({ page }) => {
  await openView(page, 'Article example');
  await set(page, 'batchSize', 16);
  await page.getByRole('button', { name: 'Train' }).click();
  // Compiling the article GAN's programs on software WebGPU takes seconds: the wait is shown.
  const progress = page.getByTestId('task-progress').filter({ hasText: 'First step' });
  await expect(progress).toContainText('the first run on this device');
  await waitForGanSteps(page, 1);
  await expect(progress).toHaveCount(0);
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('demandlab.warmups')!));
  expect(kept['webgpu:article']).toBeGreaterThan(0);

  // The next first step is measured against the last one. A record of a slow machine keeps the
  // bar up long enough to read: the step cannot take 10 minutes here.
  await page.evaluate(() =>
    localStorage.setItem('demandlab.warmups', JSON.stringify({ 'webgpu:article': 600_000 })),
  );
  await set(page, 'batchSize', 24); // new shapes: programs the backend has not compiled yet
  await set(page, 'metricsEvery', 3);
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(progress).toContainText('(took 600 s last time)');
  await expect(progress.locator('progress')).toHaveAttribute('value', /^0\.\d+/);
  await waitForGanSteps(page, 1);
  await expect(progress).toHaveCount(0);

  // The first IS/FID measurement classifies 10,000 real digits and the fakes: it shows too.
  const measuring = page.getByTestId('task-progress').filter({ hasText: 'Measuring IS and FID' });
  await expect(measuring).toContainText(/of 11,000 digits classified/);
  await expect(measuring).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('gan-is')).not.toHaveText('–');
});
