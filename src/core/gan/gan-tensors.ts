/**
 * A GAN's part of a checkpoint: the weights of G and D and both Adam states,
 * under the names 'G', 'D', 'optD' and 'optG'. Every GAN job saves and loads
 * them the same way; what else it keeps (random streams, counters) is its own.
 */
import type * as tf from '@tensorflow/tfjs';
import type { JobCheckpoint } from '../jobs/job';
import type { Random } from '../random';
import type { Json } from '../store/schema';
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

/** A checkpoint at `step`: the weights and optimizer states read back from the device, with the job's own random stream and extras. */
export async function ganCheckpoint(
  p: GanParts,
  step: number,
  rng: Random,
  extra: Json,
): Promise<JobCheckpoint> {
  const [g, d, oD, oG] = await Promise.all([
    modelTensors(p.generator, 'G'),
    modelTensors(p.discriminator, 'D'),
    optimizerTensors(p.optD, 'optD'),
    optimizerTensors(p.optG, 'optG'),
  ]);
  return { step, weights: [...g, ...d], optimizer: [...oD, ...oG], rng: rng.state(), extra };
}

/** Puts saved weights and optimizer states back. */
export async function setGanTensors(p: GanParts, state: JobCheckpoint): Promise<void> {
  setModelTensors(p.generator, 'G', state.weights);
  setModelTensors(p.discriminator, 'D', state.weights);
  await setOptimizerTensors(p.optD, 'optD', state.optimizer);
  await setOptimizerTensors(p.optG, 'optG', state.optimizer);
}
