/**
 * Trains the MNIST classifier used for the GAN lab's quality metrics (IS, FID,
 * digit histogram) on the train split of public/data/mnist/, on tfjs's wasm
 * backend, and writes public/data/mnist/classifier.{json,bin}. The model and
 * the training loop are the app's own (src/core/gan/classifier.ts), loaded
 * through Vite's module runner so there is one definition of both.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runnerImport } from 'vite';

/** Seeded and fixed, so every build ships the same weights. */
export const CLASSIFIER_TRAINING = { steps: 1500, batchSize: 64, seed: 7 };

/** @param {string} mnistDir folder holding manifest.json and mnist.bin */
export async function buildClassifier(mnistDir) {
  const { module: core } = await runnerImport('/datasets/classifier-entry.ts', {
    configFile: false,
    logLevel: 'warn',
  });
  const wasmDir =
    join(
      dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
      'dist',
    ) + '/';
  await core.useWasm(wasmDir);
  const manifest = core.parseManifest(
    JSON.parse(await readFile(join(mnistDir, 'manifest.json'), 'utf8')),
  );
  const bytes = new Uint8Array(await readFile(join(mnistDir, manifest.file)));
  const data = await core.decodeMnist(manifest, bytes);
  const split = core.splitTrainTest(data.count);
  const { model, testAccuracy } = await core.trainClassifier(data, split, CLASSIFIER_TRAINING);
  const out = await core.encodeClassifier(model, { testAccuracy, ...CLASSIFIER_TRAINING });
  model.dispose();
  return out;
}
