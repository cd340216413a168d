/** Puts tfjs on its pure-JS cpu backend, quietly, for node tests. */
import * as tf from '@tensorflow/tfjs';

export async function useCpu(): Promise<typeof tf> {
  // tfjs greets node users with advice to install tfjs-node; the tests mean to use the cpu backend.
  tf.env().set('IS_NODE', false);
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}
