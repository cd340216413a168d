/** What datasets/classifier.mjs needs from the app's core, in one module for Vite's runner. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { decodeMnist, parseManifest, splitTrainTest } from '../src/core/data/mnist';
export { encodeClassifier, trainClassifier } from '../src/core/gan/classifier';

/**
 * tfjs's wasm backend, loaded from the installed package: several times
 * faster than the pure-JS cpu backend for this training, and deterministic.
 */
export async function useWasm(wasmDir: string): Promise<typeof tf> {
  tf.env().set('IS_NODE', false); // skips tfjs's advice to install tfjs-node
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // its pthread worker is a blob: URL node cannot start
  setWasmPaths(wasmDir);
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}
