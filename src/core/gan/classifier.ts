/**
 * The MNIST classifier behind the GAN quality metrics: an MLP 784->256->64->10
 * whose 64 penultimate activations are the FID features. datasets/classifier.mjs
 * trains it once on the train split (so it never saw the test digits used as
 * the reference) and ships the weights beside the MNIST file:
 *   classifier.bin   float32 kernels and biases, layer by layer
 *   classifier.json  layer sizes, byte count, SHA-256, test accuracy
 */
import * as tf from '@tensorflow/tfjs';
import { adam } from '../kernels/fused-adam';
import {
  DatasetError,
  MNIST_PIXELS,
  gatherBatch,
  sampleBatch,
  sha256Hex,
  type FetchLike,
  type MnistData,
  type Split,
} from '../data/mnist';
import { createRandom } from '../random';

export const CLASSIFIER_LAYERS = [MNIST_PIXELS, 256, 64, 10] as const;
export const FEATURE_SIZE = CLASSIFIER_LAYERS[2];
const FORMAT = 'demandlab-mnist-classifier';
const FORMAT_VERSION = 1;
const REBUILD = 'Rebuild it with `npm run datasets`, then reload.';

export interface ClassifierManifest {
  format: typeof FORMAT;
  version: number;
  layers: number[];
  file: string;
  bytes: number;
  sha256: string;
  /** Fraction of the held-out test digits it classifies right. */
  testAccuracy: number;
  steps: number;
  seed: number;
}

export function buildClassifier(seed: number): tf.Sequential {
  const rng = createRandom(seed);
  const [input, h1, h2, out] = CLASSIFIER_LAYERS;
  const init = () => tf.initializers.glorotUniform({ seed: rng.seed32() });
  return tf.sequential({
    name: 'mnist_classifier',
    layers: [
      tf.layers.dense({
        inputShape: [input],
        units: h1,
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tf.layers.dense({ units: h2, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: out, kernelInitializer: init() }),
    ],
  });
}

/** Class probabilities and penultimate features of digits with pixels in [0, 1]. */
export function classifierOutputs(
  model: tf.LayersModel,
  x01: tf.Tensor2D,
): { probs: tf.Tensor2D; features: tf.Tensor2D } {
  return tf.tidy(() => {
    const [l1, l2, l3] = model.layers as [tf.layers.Layer, tf.layers.Layer, tf.layers.Layer];
    const features = l2.apply(l1.apply(x01)) as tf.Tensor2D;
    const probs = tf.softmax(l3.apply(features) as tf.Tensor2D);
    return { probs, features };
  });
}

/** Fraction of `indices` the model classifies right. */
export async function classifierAccuracy(
  model: tf.LayersModel,
  data: MnistData,
  indices: Uint32Array,
): Promise<number> {
  const batch = gatherBatch(data, indices);
  const correct = tf.tidy(() => {
    const logits = model.apply(tf.tensor2d(batch.x, [indices.length, MNIST_PIXELS])) as tf.Tensor2D;
    return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(batch.y, 'int32')), 'int32'));
  });
  const [n] = await correct.data();
  correct.dispose();
  return n! / indices.length;
}

/** Trains a classifier with seeded batches; deterministic on one backend. */
export async function trainClassifier(
  data: MnistData,
  split: Split,
  options: { steps: number; batchSize: number; seed: number; learningRate?: number },
): Promise<{ model: tf.Sequential; testAccuracy: number }> {
  const model = buildClassifier(options.seed);
  const rng = createRandom(options.seed + 1);
  const optimizer = adam(options.learningRate ?? 1e-3);
  for (let s = 0; s < options.steps; s++) {
    const b = sampleBatch(data, split.train, options.batchSize, rng);
    tf.tidy(() => {
      const x = tf.tensor2d(b.x, [b.indices.length, MNIST_PIXELS]);
      const y = tf.oneHot(tf.tensor1d(b.y, 'int32'), 10);
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
      );
    });
  }
  optimizer.dispose();
  return { model, testAccuracy: await classifierAccuracy(model, data, split.test) };
}

/** Packs the weights into the shipped binary and its manifest. */
export async function encodeClassifier(
  model: tf.LayersModel,
  info: { testAccuracy: number; steps: number; seed: number },
): Promise<{ bin: Uint8Array; manifest: ClassifierManifest }> {
  const parts = await Promise.all(model.getWeights().map((w) => w.data()));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const floats = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    floats.set(p as Float32Array, at);
    at += p.length;
  }
  const bin = new Uint8Array(floats.buffer);
  return {
    bin,
    manifest: {
      format: FORMAT,
      version: FORMAT_VERSION,
      layers: [...CLASSIFIER_LAYERS],
      file: 'classifier.bin',
      bytes: bin.byteLength,
      sha256: await sha256Hex(bin),
      ...info,
    },
  };
}

function expectedBytes(): number {
  let n = 0;
  for (let i = 1; i < CLASSIFIER_LAYERS.length; i++)
    n += CLASSIFIER_LAYERS[i - 1]! * CLASSIFIER_LAYERS[i]! + CLASSIFIER_LAYERS[i]!;
  return n * 4;
}

/** Checks a parsed classifier.json; throws DatasetError naming the problem. */
export function parseClassifierManifest(json: unknown): ClassifierManifest {
  const bad = (what: string) =>
    new DatasetError('manifest', `The digit classifier's manifest is invalid: ${what}. ${REBUILD}`);
  if (typeof json !== 'object' || json === null) throw bad('it is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== FORMAT || m.version !== FORMAT_VERSION) throw bad('unknown format or version');
  if (JSON.stringify(m.layers) !== JSON.stringify(CLASSIFIER_LAYERS))
    throw bad(`layers are ${JSON.stringify(m.layers)}, expected ${CLASSIFIER_LAYERS.join('-')}`);
  if (m.bytes !== expectedBytes()) throw bad(`it claims ${String(m.bytes)} bytes`);
  if (typeof m.file !== 'string' || !/^[\w.-]+$/.test(m.file))
    throw bad('"file" is not a plain name');
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) throw bad('bad "sha256"');
  if (typeof m.testAccuracy !== 'number') throw bad('no "testAccuracy"');
  return json as ClassifierManifest;
}

/** Rebuilds the classifier from checked bytes. */
export async function decodeClassifier(
  manifest: ClassifierManifest,
  bytes: Uint8Array,
): Promise<tf.Sequential> {
  if (bytes.byteLength !== manifest.bytes)
    throw new DatasetError(
      'size',
      `The classifier file is ${bytes.byteLength} bytes, expected ${manifest.bytes}. ${REBUILD}`,
    );
  if ((await sha256Hex(bytes)) !== manifest.sha256)
    throw new DatasetError('checksum', `The classifier file is corrupt. ${REBUILD}`);
  const floats = new Float32Array(bytes.slice().buffer);
  const model = buildClassifier(0);
  let at = 0;
  const weights = model.getWeights().map((w) => {
    const n = w.size;
    const t = tf.tensor(floats.subarray(at, at + n), w.shape);
    at += n;
    return t;
  });
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());
  return model;
}

/** Fetches classifier.json and its binary under `baseUrl` (ending in '/'). */
export async function loadClassifier(
  baseUrl: string,
  fetchFn: FetchLike = fetch,
): Promise<{ model: tf.Sequential; manifest: ClassifierManifest }> {
  const get = async (name: string) => {
    const res = await fetchFn(baseUrl + name).catch((e: unknown) => {
      throw new DatasetError('missing', `Could not fetch ${name}: ${String(e)}. ${REBUILD}`);
    });
    if (!res.ok)
      throw new DatasetError(
        'missing',
        `The classifier's ${name} is missing (HTTP ${res.status}). ${REBUILD}`,
      );
    return res;
  };
  const manifest = parseClassifierManifest(await (await get('classifier.json')).json());
  const bytes = new Uint8Array(await (await get(manifest.file)).arrayBuffer());
  return { model: await decodeClassifier(manifest, bytes), manifest };
}
