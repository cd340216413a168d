/**
 * Auto's timing with real tfjs: the article GAN's step timed on WASM in node,
 * leaving no tensors behind, and the timed backend then
 * selected without starting it twice.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activateBackend } from '../../../src/core/compute/activate';
import type { Capabilities } from '../../../src/core/compute/backends';
import { timeBackends, workerTiming } from '../../../src/worker/speed-probe';

const caps: Capabilities = { webgpu: null, webgl: null, wasm: { simd: true, threads: false } };
const options = {
  wasmPrefix: join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'),
  wasmThreads: 1,
};

describe('timing a real training step', () => {
  it("times the article GAN's step on WASM and then switches to it as it was left", async () => {
    tf.env().set('IS_NODE', false);
    await tf.setBackend('cpu');
    const timing = workerTiming(caps, options);
    const [wasm, webgpu] = await timeBackends(
      {
        timed: [{ name: 'wasm', grace: false }],
        untimed: [
          { name: 'webgpu', note: 'software rendering, not timed', software: 'SwiftShader' },
        ],
      },
      { ...timing, budgetMs: 1500 },
    );
    expect(wasm!.name).toBe('wasm');
    expect(wasm!.note).toBe('');
    expect(wasm!.stepsPerSecond).toBeGreaterThan(0);
    expect(wasm!.firstStepMs).toBeGreaterThan(0);
    expect(webgpu).toEqual({
      name: 'webgpu',
      stepsPerSecond: null,
      firstStepMs: null,
      note: 'software rendering, not timed',
      software: 'SwiftShader',
    });

    // The probe's job is gone; the backend stays up with the app's own kernels.
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(0);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    await tf.setBackend('cpu');
    const info = await activateBackend(['wasm', 'cpu'], 'auto', caps, options);
    expect(info.name).toBe('wasm');
    expect(info.skipped).toEqual([]);
    expect(tf.getBackend()).toBe('wasm');
  });
});
