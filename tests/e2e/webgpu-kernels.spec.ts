/**
 * The kernels software WebGPU adapters get (src/core/compute/webgpu-matmul.ts
 * and webgpu-conv.ts) on this browser's WebGPU adapter, against tfjs's cpu
 * backend. Node has no WebGPU, so this is where the shader itself is
 * checked. The page is served by the dev server (playwright.config.ts's
 * second web server).
 */
import { DEV_SERVER } from '../../playwright.config';
import type { CaseResult, Harness, MatMulCase } from './harness/webgpu-kernels';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/**
 * WebGPU reports a shader that does not compile, and everything that uses
 * it, as console warnings, not errors; the fixture only fails on errors.
 */
function watchGpuValidation(page: Page): string[] {
  const invalid: string[] = [];
  page.on('console', (m) => {
    if (/WGSL|is invalid due to a previous error|\[Invalid /.test(m.text())) invalid.push(m.text());
  });
  return invalid;
}

const plain: Pick<MatMulCase, 'batchA' | 'batchB' | 'bias' | 'activation'> = {
  batchA: [],
  batchB: [],
  bias: false,
  activation: null,
};

/** Every transpose pair, edges that do not fill a block, batches, bias and each activation. */
const cases: MatMulCase[] = [
  { ...plain, m: 128, k: 784, n: 1024, transposeA: false, transposeB: false },
  { ...plain, m: 128, k: 784, n: 1024, transposeA: false, transposeB: true },
  { ...plain, m: 784, k: 128, n: 1024, transposeA: true, transposeB: false },
  { ...plain, m: 37, k: 29, n: 61, transposeA: true, transposeB: true },
  { ...plain, m: 1, k: 5, n: 1, transposeA: false, transposeB: false },
  { ...plain, m: 67, k: 0, n: 9, transposeA: false, transposeB: false },
  { ...plain, m: 13, k: 21, n: 70, transposeA: false, transposeB: false, batchA: [3], batchB: [3] },
  {
    ...plain,
    m: 13,
    k: 21,
    n: 70,
    transposeA: true,
    transposeB: false,
    batchA: [2, 3],
    batchB: [1],
  },
  { ...plain, m: 9, k: 11, n: 17, transposeA: false, transposeB: true, batchA: [], batchB: [4] },
  ...(['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const).map((activation) => ({
    ...plain,
    m: 33,
    k: 50,
    n: 70,
    transposeA: false,
    transposeB: false,
    bias: true,
    activation,
  })),
  { ...plain, m: 33, k: 50, n: 70, transposeA: false, transposeB: true, activation: 'sigmoid' },
];

test('the register-block matrix product matches tfjs cpu on WebGPU', async ({ page, problems }) => {
  test.setTimeout(240_000);
  const invalid = watchGpuValidation(page);
  await page.goto(`${DEV_SERVER}/tests/e2e/harness/webgpu-kernels.html`);
  await page.waitForFunction(() => 'harness' in globalThis);
  const results: CaseResult[] = await page.evaluate(
    (cs) => (globalThis as unknown as { harness: Harness }).harness.compare(cs),
    cases,
  );
  expect(results).toHaveLength(cases.length);
  for (const [i, r] of results.entries()) {
    const c = cases[i]!;
    const what = `${c.m}×${c.k}×${c.n} tA=${c.transposeA} tB=${c.transposeB} batches ${JSON.stringify([c.batchA, c.batchB])} bias=${c.bias} ${c.activation}`;
    expect(r.shape, what).toEqual(r.cpuShape);
    // float32 sums of up to 784 terms in a different order from cpu's.
    expect(r.relativeError, what).toBeLessThan(1e-5);
    expect(r.leaked, what).toBe(0);
  }
  const keys = await page.evaluate(() =>
    (globalThis as unknown as { harness: Harness }).harness.compiledPrograms(),
  );
  // The products ran through the new program, not tfjs's (which the wrapper falls back to).
  expect(keys.filter((k) => k.startsWith('registerBlockMatMul_true_true_false_null'))).toHaveLength(
    1,
  );
  expect(keys.some((k) => k.startsWith('registerBlockMatMul_false_false_true_leakyrelu'))).toBe(
    true,
  );
  expect(keys.some((k) => k.startsWith('matMul'))).toBe(false);
  const gradError = await page.evaluate(() =>
    (globalThis as unknown as { harness: Harness }).harness.denseGradientError(),
  );
  expect(gradError).toBeLessThan(1e-5);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('convolutions and their gradients on software WebGPU match tfjs cpu', async ({
  page,
  problems,
}) => {
  const invalid = watchGpuValidation(page);
  await page.goto(`${DEV_SERVER}/tests/e2e/harness/webgpu-kernels.html`);
  await page.waitForFunction(() => 'harness' in globalThis);
  const errors = await page.evaluate(() =>
    (globalThis as unknown as { harness: Harness }).harness.compareConvs(),
  );
  // Output, dx, dw and db of D's strided convolution, G's transposed one, and two more.
  expect(Object.keys(errors)).toEqual(['conv', 'transposed', 'sixChannels', 'oneChannel']);
  for (const [layer, e] of Object.entries(errors)) {
    expect(e, layer).toHaveLength(4);
    for (const v of e) expect(v, layer).toBeLessThan(1e-5);
  }
  const keys = await page.evaluate(() =>
    (globalThis as unknown as { harness: Harness }).harness.compiledPrograms(),
  );
  // The weight gradient and the forward pass ran as products, not as tfjs's convolution shaders.
  expect(keys.some((k) => k.startsWith('conv2DDerFilter'))).toBe(false);
  expect(keys.some((k) => k.startsWith('conv2DMM') || k.startsWith('conv2dnaive'))).toBe(false);
  expect(keys.some((k) => k.startsWith('registerBlockMatMul_true_false'))).toBe(true);
  // The input gradient gathered per pixel, in all three channel blocks; not tfjs's shader.
  expect(keys.some((k) => k.startsWith('conv2DDerInput'))).toBe(false);
  for (const block of [1, 4, 8])
    expect(keys.some((k) => k.startsWith(`gatherConvInputGradient_${block}_`))).toBe(true);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});
