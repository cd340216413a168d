/**
 * The app's WASM GEMM kernel (src/core/kernels/wasm/wasm-gemm.ts) as the app
 * starts it in this browser: over the threaded build's shared memory, with
 * relaxed SIMD's fused multiply-add and a helper thread, against tfjs's cpu
 * backend. Node runs
 * the unshared form; this is where the shared one and Chromium's relaxed
 * SIMD are checked.
 */
import { DEV_SERVER } from '../../playwright.config';
import { MATMUL_CASES, describeCase } from './harness/matmul-cases';
import type { Harness } from './harness/webgpu-kernels';
import { expect, test } from './fixtures';

test('the WASM GEMM kernel matches tfjs cpu over shared memory', async ({ page, problems }) => {
  test.setTimeout(120_000);
  await page.goto(`${DEV_SERVER}/tests/e2e/harness/webgpu-kernels.html`);
  await page.waitForFunction(() => 'harness' in globalThis);
  const run = await page.evaluate(
    (cs) => (globalThis as unknown as { harness: Harness }).harness.compareWasm(cs),
    MATMUL_CASES,
  );
  // Cross-origin isolated, so the threaded build and its shared memory.
  expect(run.threads).toBeGreaterThan(1);
  expect(run.gemm?.shape).toEqual({ rows: 6, unroll: 2, fma: true, shared: true });
  // A helper thread shares the memory and took half of each large product.
  expect(run.gemm?.threads).toBe(2);
  expect(run.gemm?.splits).toBeGreaterThanOrEqual(3);
  expect(run.results).toHaveLength(MATMUL_CASES.length);
  for (const [i, r] of run.results.entries()) {
    const what = describeCase(MATMUL_CASES[i]!);
    expect(r.shape, what).toEqual(r.cpuShape);
    expect(r.relativeError, what).toBeLessThan(1e-5);
    expect(r.leaked, what).toBe(0);
  }
  // Every product but those with an activation the kernel lacks (elu, sigmoid) ran through it.
  const lacking = MATMUL_CASES.filter((c) => c.activation === 'elu' || c.activation === 'sigmoid');
  expect(lacking).toHaveLength(3);
  expect(run.products).toBe(MATMUL_CASES.length - lacking.length);
  expect(problems.errors).toEqual([]);
});

test('Adam on threaded WASM, helpers taking shares of large variables, equals tfjs cpu bit for bit', async ({
  page,
  problems,
}) => {
  await page.goto(`${DEV_SERVER}/tests/e2e/harness/webgpu-kernels.html`);
  await page.waitForFunction(() => 'harness' in globalThis);
  const run = await page.evaluate(() =>
    (globalThis as unknown as { harness: Harness }).harness.compareWasmAdam(),
  );
  // 4 steps of the large variable went out in shares; weights, both moments and the step count compared.
  expect(run.adamSplits).toBe(4);
  expect(run.values).toBe(3 * (100_003 + 7) + 1);
  expect(run.differing).toBe(0);
  expect(problems.errors).toEqual([]);
});
