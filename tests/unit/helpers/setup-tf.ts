/** Puts tfjs on the backend a node test runs on: the pure-JS cpu backend, or the worker's WASM. */
import * as tf from '@tensorflow/tfjs';
import { useAllWasmKernels } from '../../../src/core/kernels/wasm/all-kernels';
import { useWasmInNode } from './kernel-checks';

export async function useCpu(): Promise<typeof tf> {
  // tfjs greets node users with advice to install tfjs-node; the tests mean to use the cpu backend.
  tf.env().set('IS_NODE', false);
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

/** The training worker's backend, as node runs it: tfjs's WASM backend with the app's kernels. */
export async function useWorkerWasm(): Promise<void> {
  await useWasmInNode();
  await useAllWasmKernels('wasm');
  await tf.setBackend('wasm');
}
