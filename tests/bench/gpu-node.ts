/**
 * The entry of `npm run bench:gpu`, bundled by tests/bench/gpu.mjs into one
 * file that node runs on a machine with a GPU and no browser: puts Dawn's
 * WebGPU (the `webgpu` npm package, Dawn's node bindings: the engine behind
 * Chromium's WebGPU, without the browser's GPU process between) where tfjs
 * looks for it, then runs gpu-node-run.ts and prints one JSON line per row.
 *
 * Usage: node bench.mjs --dawn DIR --wasm DIR [--models toy,article,dcgan]
 *   [--batches 32,64,128,256,512] [--seconds 2] [--backends webgpu,wasm]
 *   [--compile-ahead on|off] [--first on|off]
 *   [--kernels tfjs|software] [--bn-lanes N] [--dawn-flag backend=vulkan ...]
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { GanModelKind } from '../../src/core/gan/config';
import { countGpuWork, type GpuScope } from './harness/gpu-counts';

const { values } = parseArgs({
  options: {
    dawn: { type: 'string' },
    wasm: { type: 'string' },
    models: { type: 'string', default: 'toy,article,dcgan' },
    batches: { type: 'string', default: '32,64,128,256,512' },
    seconds: { type: 'string', default: '2' },
    backends: { type: 'string', default: 'webgpu,wasm' },
    'compile-ahead': { type: 'string', default: 'on' },
    first: { type: 'string', default: 'on' },
    kernels: { type: 'string', default: 'tfjs' },
    'bn-lanes': { type: 'string' },
    'dawn-flag': { type: 'string', multiple: true, default: [] },
  },
});

interface Dawn {
  create(flags: string[]): GPU;
  globals: GpuScope & Record<string, unknown>;
}

async function main(): Promise<void> {
  if (!values.dawn || !values.wasm) throw new Error('--dawn DIR and --wasm DIR are required');
  const dawn = (await import(pathToFileURL(join(resolve(values.dawn), 'index.js')).href)) as Dawn;
  // tfjs-backend-webgpu reads navigator.gpu and the GPU* constants as globals, as in a browser.
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: dawn.create(values['dawn-flag']), hardwareConcurrency: cpus().length },
    configurable: true,
  });
  const counts = countGpuWork(dawn.globals);
  const { probeCapabilities } = await import('../../src/core/compute/probe');
  const { runGpuBench } = await import('./gpu-node-run');
  const caps = await probeCapabilities();
  console.log(JSON.stringify({ kind: 'adapter', adapter: caps.webgpu, cpus: cpus()[0]?.model }));
  await runGpuBench(
    caps,
    {
      models: values.models.split(',') as GanModelKind[],
      // No batches ('none'): the first step only, as a cold process measures it.
      batches: values.batches
        .split(',')
        .map(Number)
        .filter((n) => n > 0),
      windowMs: Number(values.seconds) * 1000,
      wasmDir: resolve(values.wasm) + '/',
      compileAhead: values['compile-ahead'] === 'on',
      firstStep: values.first === 'on',
      kernels: values.kernels === 'software' ? 'software' : 'tfjs',
      batchNormLanes: values['bn-lanes'] ? Number(values['bn-lanes']) : null,
      backends: values.backends.split(',') as ('webgpu' | 'wasm')[],
    },
    counts,
    (row) => console.log(JSON.stringify(row)),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
