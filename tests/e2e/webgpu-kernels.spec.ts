/**
 * The kernels software WebGPU adapters get (src/core/kernels/webgpu/webgpu-matmul.ts
 * and webgpu-conv.ts), and the lazy layers' gradients (lazy-layers.ts), on
 * this browser's WebGPU adapter against tfjs's cpu backend. Node has no
 * WebGPU, so this is where the shader itself is checked. The page is served by the dev server (playwright.config.ts's
 * second web server).
 */
import { DEV_SERVER } from '../../playwright.config';
import { MATMUL_CASES as cases, describeCase } from './harness/matmul-cases';
import type { CaseResult, Harness } from './harness/webgpu-kernels';
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

/**
 * Opens the harness page (served by the dev server) and waits for it;
 * returns the shader validation messages it will have logged.
 */
async function openHarness(page: Page): Promise<string[]> {
  const invalid = watchGpuValidation(page);
  await page.goto(`${DEV_SERVER}/tests/e2e/harness/webgpu-kernels.html`);
  await page.waitForFunction(() => 'harness' in globalThis);
  return invalid;
}

type Check = {
  [K in keyof Harness]: Parameters<Harness[K]>['length'] extends 0 ? K : never;
}[keyof Harness];

/** Runs one of the harness page's checks that take no arguments. */
function check<K extends Check>(page: Page, name: K): Promise<Awaited<ReturnType<Harness[K]>>> {
  return page.evaluate(
    (n) => (globalThis as unknown as { harness: Record<string, () => unknown> }).harness[n]!(),
    name,
  ) as Promise<Awaited<ReturnType<Harness[K]>>>;
}

test('the register-block matrix product matches tfjs cpu on WebGPU', async ({ page, problems }) => {
  test.setTimeout(240_000);
  const invalid = await openHarness(page);
  const results: CaseResult[] = await page.evaluate(
    (cs) => (globalThis as unknown as { harness: Harness }).harness.compare(cs),
    cases,
  );
  expect(results).toHaveLength(cases.length);
  for (const [i, r] of results.entries()) {
    const c = cases[i]!;
    const what = describeCase(c);
    expect(r.shape, what).toEqual(r.cpuShape);
    // float32 sums of up to 784 terms in a different order from cpu's.
    expect(r.relativeError, what).toBeLessThan(1e-5);
    expect(r.leaked, what).toBe(0);
  }
  const keys = await check(page, 'compiledPrograms');
  // The products ran through the new program, not tfjs's (which the wrapper falls back to).
  expect(keys.filter((k) => k.startsWith('registerBlockMatMul_true_true_false_null'))).toHaveLength(
    1,
  );
  expect(keys.some((k) => k.startsWith('registerBlockMatMul_false_false_true_leakyrelu'))).toBe(
    true,
  );
  expect(keys.some((k) => k.startsWith('matMul'))).toBe(false);
  const gradError = await check(page, 'denseGradientError');
  expect(gradError).toBeLessThan(1e-5);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('convolutions and their gradients on software WebGPU match tfjs cpu', async ({
  page,
  problems,
}) => {
  const invalid = await openHarness(page);
  const errors = await check(page, 'compareConvs');
  // Output, dx, dw and db of D's strided convolution, G's transposed one, and two more.
  expect(Object.keys(errors)).toEqual(['conv', 'transposed', 'sixChannels', 'oneChannel']);
  for (const [layer, e] of Object.entries(errors)) {
    expect(e, layer).toHaveLength(4);
    for (const v of e) expect(v, layer).toBeLessThan(1e-5);
  }
  const keys = await check(page, 'compiledPrograms');
  // The weight gradient and the forward pass ran as products, not as tfjs's convolution shaders.
  expect(keys.some((k) => k.startsWith('conv2DDerFilter'))).toBe(false);
  expect(keys.some((k) => k.startsWith('conv2DMM') || k.startsWith('conv2dnaive'))).toBe(false);
  expect(keys.some((k) => k.startsWith('registerBlockMatMul_true_false'))).toBe(true);
  // The patches cut in one dispatch each (webgpu-im2col.ts).
  expect(keys.some((k) => k.startsWith('demandlabIm2col'))).toBe(true);
  // The input gradient gathered per pixel, in all three channel blocks; not tfjs's shader.
  expect(keys.some((k) => k.startsWith('conv2DDerInput'))).toBe(false);
  for (const block of [1, 4, 8])
    expect(keys.some((k) => k.startsWith(`gatherConvInputGradient_${block}_`))).toBe(true);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('lazy dense and convolution layers give tfjs layers’ gradients on software WebGPU', async ({
  page,
  problems,
}) => {
  test.setTimeout(120_000);
  const invalid = await openHarness(page);
  const errors = await check(page, 'compareLazyLayers');
  // The loss, then G's two kernels and one bias, D's twelve weights (three convolutions, three
  // dense; two of them with the leaky ReLU after them fused).
  expect(Object.entries(errors).map(([want, e]) => [want, e.gpu.length])).toEqual([
    ['all', 1 + 3 + 12],
    ['D', 1 + 12],
    ['G', 1 + 3],
  ]);
  // Against tfjs's layers on the same adapter, and on cpu: float32 sums in another order.
  for (const [want, e] of Object.entries(errors)) {
    e.gpu.forEach((x, i) => expect(x, `${want} ${i}`).toBeLessThan(1e-5));
    e.cpu.forEach((x, i) => expect(x, `${want} ${i}`).toBeLessThan(1e-5));
  }
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('Adam on software WebGPU: one kernel call, three shaders per variable, tfjs’s numbers', async ({
  page,
  problems,
}) => {
  test.setTimeout(120_000);
  const invalid = await openHarness(page);
  const r = await check(page, 'compareWebGpuAdam');
  // Two variables: one fused kernel call for both, where tfjs runs its element-wise ops.
  expect(r.kernels.fused.filter((k) => k === 'DemandLabFusedAdam')).toHaveLength(1);
  expect(r.kernels.shipped).not.toContain('DemandLabFusedAdam');
  for (const k of ['Sqrt', 'RealDiv', 'Square'])
    expect(r.kernels.fused.filter((n) => n === k).length).toBeLessThan(
      r.kernels.shipped.filter((n) => n === k).length,
    );
  // Weights, both moments and the step count, 4 steps: bit for bit tfjs's Adam on the same adapter.
  expect(r.values).toBe(3 * (100_003 + 7) + 1);
  expect(r.differing).toBe(0);
  expect(r.cpuError).toBeLessThan(1e-5);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('the patch matrix in one dispatch on WebGPU: the same bits as cut with slices', async ({
  page,
  problems,
}) => {
  const invalid = await openHarness(page);
  const cases = await check(page, 'comparePatches');
  expect(Object.keys(cases)).toEqual([
    'conv',
    'transposed',
    'sixChannels',
    'oneChannel',
    'stride1Valid',
  ]);
  for (const [name, c] of Object.entries(cases)) {
    expect(c.values, name).toBeGreaterThan(0);
    expect(c.differing, name).toBe(0);
    expect(c.dispatches[0], name).toBe(1);
    expect(c.dispatches[1], name).toBeGreaterThan(5);
  }
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('a GAN step’s programs compile ahead, side by side, and the step then compiles none', async ({
  page,
  problems,
}) => {
  const invalid = await openHarness(page);
  const r = await check(page, 'compileAhead');
  expect(r.compiled).toBe(true);
  // Compile-only: pipelines built, nothing dispatched.
  expect(r.ahead).toBeGreaterThan(10);
  expect(r.compileDispatches).toBe(0);
  // The real step, on other networks of the same shapes, found every pipeline built, and
  // they compute the right thing.
  expect(r.newInRun).toEqual([]);
  expect(r.error).toBeLessThan(1e-4);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('a GAN job compiles ahead on a twin: its first step compiles nothing and trains as without', async ({
  page,
  problems,
}) => {
  const invalid = await openHarness(page);
  const r = await check(page, 'ganJobWarmUp');
  expect(r.ahead).toBeGreaterThan(10);
  expect(r.warmDispatches).toBe(0);
  expect(r.newInStep).toEqual([]);
  // The twin's unwritten outputs never reach the job: G after one step, bit for bit.
  expect(r.weights).toBeGreaterThan(1000);
  expect(r.differing).toBe(0);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('batch norm in training on WebGPU: the cpu kernel’s numbers, in under half the dispatches of tfjs’s ops', async ({
  page,
  problems,
}) => {
  const invalid = await openHarness(page);
  const r = await check(page, 'compareBatchNorm');
  // Output, dx, dgamma, dbeta, moving mean and variance, for an image batch, a dense one and
  // one with more rows than a workgroup has lanes; rows added in order and in a tree.
  expect(Object.keys(r.errors).map(Number)).toEqual([1, r.lanes]);
  expect(r.lanes).toBeGreaterThan(1);
  for (const [lanes, shapes] of Object.entries(r.errors)) {
    expect(shapes).toHaveLength(3);
    for (const shape of shapes) {
      expect(shape).toHaveLength(6);
      shape.forEach((e, i) => expect(e, `lanes ${lanes}, part ${i}`).toBeLessThan(1e-5));
    }
  }
  // Three passes and two sets of gradients, the probe's products and the moving averages
  // included (about 96 dispatches through tfjs's ops).
  expect(r.dispatches.kernels).toBeGreaterThan(0);
  expect(r.dispatches.kernels * 2).toBeLessThan(r.dispatches.ops);
  expect(invalid).toEqual([]);
  expect(problems.errors).toEqual([]);
});
