/**
 * Dense and Conv2D layers with lazy gradients give tfjs's layers' numbers,
 * bit for bit, forward and for every set of variables a GAN step asks for
 * (all, D's alone, G's alone through D), on tfjs cpu and on WASM with the
 * app's kernels; and they skip the gradients nobody asked for. Saved, they
 * are plain tfjs layers.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { restoreShipped, takesMatrices } from '../../../src/core/kernels/kernel-swap';
import { withLeakyRelu, withLeakyReluApart } from '../../../src/core/kernels/lazy-layers';
import {
  gradients,
  LAZY,
  networks,
  STOCK,
  twinNetworks,
  type LayerMaker,
  type Want,
} from '../helpers/gan-networks';
import { countCalls, useWasmInNode } from '../helpers/kernel-checks';

const calls = { filter: 0, input: 0, matMul: 0, reshape: 0, leaky: 0 };

beforeAll(async () => {
  await useWasmInNode();
  await useAllWasmKernels('wasm');
  // Counted in front of the app's kernels: every call, whichever kernel does the work.
  countCalls('Conv2DBackpropFilter', () => calls.filter++);
  countCalls('Conv2DBackpropInput', () => calls.input++);
  countCalls('BatchMatMul', () => calls.matMul++);
  countCalls('Reshape', () => calls.reshape++);
  countCalls('LeakyRelu', () => calls.leaky++);
});

const bits = async (ts: tf.Tensor[]) =>
  Promise.all(ts.map(async (t) => Array.from(new Uint32Array((await t.data()).buffer))));

describe.each(['cpu', 'wasm'])('on %s', (backend) => {
  it.each<Want>(['all', 'D', 'G'])(
    'gives tfjs layers’ gradients bit for bit (variables: %s)',
    async (want) => {
      await tf.setBackend(backend);
      const { stock, lazy, z, real } = twinNetworks(11);
      const expected = gradients(...stock, z, real, want);
      const actual = gradients(...lazy, z, real, want);
      expect(actual.map((t) => t.shape)).toEqual(expected.map((t) => t.shape));
      expect(await bits(actual)).toEqual(await bits(expected));
      // The lazy forward pass is the stock one too, outside a tape.
      const out = [stock, lazy].map(([g, d]) => d.predict(g.predict(z) as tf.Tensor) as tf.Tensor);
      expect(await bits([out[1]!])).toEqual(await bits([out[0]!]));
      tf.dispose([...expected, ...actual, ...out, z, real]);
      [...stock, ...lazy].forEach((m) => m.dispose());
    },
  );
});

describe('matrices or batches', () => {
  /** Reshape kernels one gradient of every variable records, and how far it is from tfjs's layers'. */
  async function step() {
    const { stock, lazy, z, real } = twinNetworks(5);
    const expected = gradients(...stock, z, real, 'all');
    const before = calls.reshape;
    const actual = gradients(...lazy, z, real, 'all');
    const reshapes = calls.reshape - before;
    const [a, e] = [await bits(actual), await bits(expected)];
    const same = a.length === e.length && a.every((b, i) => b.join() === e[i]!.join());
    const gap = Math.max(
      ...actual.map((t, i) => tf.max(tf.abs(tf.sub(t, expected[i]!))).dataSync()[0]!),
    );
    tf.dispose([...expected, ...actual, z, real]);
    [...stock, ...lazy].forEach((m) => m.dispose());
    return { reshapes, same, gap };
  }

  it('hands the product matrices where the kernel takes them, and batches to tfjs’s WASM kernel', async () => {
    await tf.setBackend('wasm');
    expect(takesMatrices('_FusedMatMul', 'wasm')).toBe(true);
    const matrices = await step();
    expect(matrices.same).toBe(true);
    // tfjs's own WASM _FusedMatMul reads its operands as batches (rank 3).
    const installed = tf.getKernel('_FusedMatMul', 'wasm')!;
    restoreShipped('_FusedMatMul', 'wasm');
    try {
      expect(takesMatrices('_FusedMatMul', 'wasm')).toBe(false);
      const batches = await step();
      // XNNPACK's fused product sums in another order than the app's GEMM behind tfjs's
      // layers' unfused ReLU layer: close, not the same bits.
      expect(batches.gap).toBeLessThan(1e-5);
      // Each dense layer's three reshapes forward, and three more backward.
      expect(batches.reshapes).toBeGreaterThan(matrices.reshapes);
    } finally {
      tf.unregisterKernel('_FusedMatMul', 'wasm');
      tf.registerKernel(installed);
    }
    expect(takesMatrices('_FusedMatMul', 'wasm')).toBe(true);
  });
});

describe('the work skipped', () => {
  /** Kernel calls for one gradient of G's variables through D (the G step). */
  async function gStepCalls(make: LayerMaker) {
    await tf.setBackend('wasm');
    const [g, d] = networks(make);
    const z = tf.randomNormal([4, 5]);
    const real = tf.randomUniform([4, 6, 6, 2]);
    Object.assign(calls, { filter: 0, input: 0, matMul: 0 });
    tf.dispose(gradients(g, d, z, real, 'G'));
    const counted = { ...calls };
    tf.dispose([z, real]);
    [g, d].forEach((m) => m.dispose());
    return counted;
  }

  it("computes no weight gradient of D's in G's step, where tfjs's layers compute them all", async () => {
    const stock = await gStepCalls(STOCK);
    const lazy = await gStepCalls(LAZY);
    // tfjs's layers: the two linear convolutions' filter gradients (the ReLU one runs unfused
    // under a tape, with lazy gradients), and D's dense weight products besides G's.
    expect(stock.filter).toBe(2);
    expect(lazy.filter).toBe(0);
    expect(lazy.input).toBe(stock.input);
    expect(lazy.matMul).toBeLessThan(stock.matMul);
  });

  it("computes no gradient of D's input in D's step", async () => {
    await tf.setBackend('wasm');
    const [g, d] = networks(LAZY);
    const z = tf.randomNormal([4, 5]);
    const real = tf.randomUniform([4, 6, 6, 2]);
    const input = calls.input;
    tf.dispose(gradients(g, d, z, real, 'D'));
    // Only the later convolutions' input gradients, into the first two's outputs.
    expect(calls.input - input).toBe(2);
    tf.dispose([z, real]);
    [g, d].forEach((m) => m.dispose());
  });
});

describe('a leaky ReLU after a product', () => {
  it('runs inside the product, with no LeakyRelu kernel (WASM, counted)', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomUniform([3, 6, 6, 2], -1, 1, 'float32', 4);
    const count = (make: LayerMaker) => {
      const [, d] = networks(make);
      const before = calls.leaky;
      tf.dispose(d.predict(x));
      d.dispose();
      return calls.leaky - before;
    };
    // D has three leaky ReLUs; two follow a lazy product and run inside it.
    expect(count(STOCK)).toBe(3);
    expect(count(LAZY)).toBe(1);
    x.dispose();
  });

  it('runs apart again inside withLeakyReluApart, with the same numbers', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomUniform([3, 6, 6, 2], -1, 1, 'float32', 5);
    const [, d] = networks(LAZY);
    const before = calls.leaky;
    const fused = d.predict(x) as tf.Tensor;
    const fusedCalls = calls.leaky - before;
    const apart = withLeakyReluApart(d.layers, () => d.predict(x) as tf.Tensor);
    expect(calls.leaky - before - fusedCalls).toBe(3);
    expect(await bits([apart])).toEqual(await bits([fused]));
    // And fused once more after.
    const after = calls.leaky;
    tf.dispose(d.predict(x));
    expect(calls.leaky - after).toBe(fusedCalls);
    tf.dispose([x, fused, apart]);
    d.dispose();
  });

  it('is refused with a negative alpha, where y > 0 no longer says where x > 0', () => {
    expect(() => withLeakyRelu(tf.layers.dense({ units: 2 }), -0.1)).toThrow(/alpha ≥ 0/);
  });
});

describe('saved', () => {
  it('loads into plain tfjs layers that give the same outputs', async () => {
    await tf.setBackend('cpu');
    const [, d] = networks(LAZY);
    // The leaky ReLUs fused into the layer before them stay layers of their own.
    expect(d.layers.map((l) => l.getClassName())).toEqual([
      'Conv2D',
      'LeakyReLU',
      'Conv2D',
      'LeakyReLU',
      'Conv2D',
      'Flatten',
      'Dense',
      'LeakyReLU',
      'Dense',
      'Dense',
    ]);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await d.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([3, 6, 6, 2], -1, 1, 'float32', 9);
    const [a, b] = [d, loaded].map((m) => m.predict(x) as tf.Tensor);
    expect(await bits([b!])).toEqual(await bits([a!]));
    tf.dispose([x, a!, b!]);
    d.dispose();
    loaded.dispose();
  });
});
