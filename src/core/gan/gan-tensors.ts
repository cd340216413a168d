/**
 * A GAN's part of a checkpoint: the weights of G and D and both Adam states,
 * under the names 'G', 'D', 'optD' and 'optG'. Every GAN job saves and loads
 * them the same way; what else it keeps (random streams, counters) is its own.
 */
import type * as tf from '@tensorflow/tfjs';
import type { JobCheckpoint } from '../jobs/job';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
} from '../store/tf-state';

export interface GanParts {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  optD: tf.Optimizer;
  optG: tf.Optimizer;
}

/** The weights and optimizer states, read back from the device. */
export async function ganTensors(
  p: GanParts,
): Promise<Pick<JobCheckpoint, 'weights' | 'optimizer'>> {
  const [g, d, oD, oG] = await Promise.all([
    modelTensors(p.generator, 'G'),
    modelTensors(p.discriminator, 'D'),
    optimizerTensors(p.optD, 'optD'),
    optimizerTensors(p.optG, 'optG'),
  ]);
  return { weights: [...g, ...d], optimizer: [...oD, ...oG] };
}

/** Puts saved weights and optimizer states back. */
export async function setGanTensors(p: GanParts, state: JobCheckpoint): Promise<void> {
  setModelTensors(p.generator, 'G', state.weights);
  setModelTensors(p.discriminator, 'D', state.weights);
  await setOptimizerTensors(p.optD, 'optD', state.optimizer);
  await setOptimizerTensors(p.optG, 'optG', state.optimizer);
}
