import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { packCheckpoint, unpackCheckpoint } from '../../../src/core/store/checkpoint';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
  tfjsModelFiles,
} from '../../../src/core/store/tf-state';
import { useCpu } from '../helpers/setup-tf';

beforeAll(useCpu);

function model(seed: number): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 8,
      inputShape: [4],
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return m;
}

const x = tf.tensor2d([
  [1, 2, 3, 4],
  [0, -1, 0.5, 2],
  [3, 1, -2, 0],
]);
const y = tf.tensor2d([[1], [0], [2]]);

function train(m: tf.LayersModel, opt: tf.Optimizer, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(
      () => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar,
      true,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  return losses;
}

describe('model and optimizer state in checkpoints', () => {
  it('resuming from a checkpoint continues exactly as never stopping', async () => {
    const a = model(1);
    const optA = tf.train.adam(0.05);
    train(a, optA, 5);
    const saved = packCheckpoint(
      {
        step: 5,
        weights: await modelTensors(a, 'net'),
        optimizer: await optimizerTensors(optA, 'adam'),
        rng: [],
      },
      { id: 'c', sessionId: 's', createdAt: 0 },
    );
    const unbroken = train(a, optA, 6);

    // A fresh model (other initial weights) and a fresh optimizer, restored from the bytes.
    const b = model(99);
    const optB = tf.train.adam(0.05);
    train(b, optB, 1); // Adam creates its slots on first use; restoring replaces them
    const c = unpackCheckpoint(saved);
    setModelTensors(b, 'net', c.weights);
    await setOptimizerTensors(optB, 'adam', c.optimizer);
    const resumed = train(b, optB, 6);
    expect(resumed).toEqual(unbroken);
    expect(c.optimizer.some((t) => t.name.includes('iter'))).toBe(true);
  });

  it('refuses weights from another architecture, naming the tensor', async () => {
    const saved = await modelTensors(model(1), 'net');
    const other = tf.sequential();
    other.add(tf.layers.dense({ units: 5, inputShape: [4] }));
    other.add(tf.layers.dense({ units: 1 }));
    expect(() => setModelTensors(other, 'net', saved)).toThrow(
      /is \[4, 8\] in the checkpoint but \[4, 5\]/,
    );
  });

  it('exports a model in TensorFlow.js format that tf.loadLayersModel reads back', async () => {
    const m = model(7);
    const files = await tfjsModelFiles(m);
    const json = JSON.parse(files.modelJson) as {
      format: string;
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect(files.weights.byteLength).toBe(m.countParams() * 4);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: files.weights,
      }),
    );
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const [a, b] = [m.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    m.dispose();
    loaded.dispose();
  });
});
