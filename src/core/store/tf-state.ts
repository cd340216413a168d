/**
 * A tfjs model's weights and an optimizer's state as checkpoint tensors, and
 * back. Reads are async (`data()`), so they work on WebGPU, where synchronous
 * readbacks of GPU tensors throw. Restoring puts Adam's moments and its step
 * count back, so training continues exactly where it stopped.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, type NamedTensor } from './checkpoint';

async function toNamed(name: string, t: tf.Tensor): Promise<NamedTensor> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32')
    throw new CheckpointError(`${name} is ${t.dtype}; checkpoints hold float32 and int32`);
  const data = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: [...t.shape], dtype: t.dtype, data: data.slice() };
}

/**
 * The model's weights in the model's order, named `<prefix>/<n>/<variable>`.
 * Layer names are numbered by tfjs per page (dense_Dense3…), so a rebuilt
 * model is matched by position and shape, not by name.
 */
export async function modelTensors(model: tf.LayersModel, prefix: string): Promise<NamedTensor[]> {
  return Promise.all(
    model.weights.map((w, i) => toNamed(`${prefix}/${i}/${w.originalName}`, w.read())),
  );
}

/** Puts weights saved by `modelTensors` back; the model must have the same architecture. */
export function setModelTensors(model: tf.LayersModel, prefix: string, saved: NamedTensor[]): void {
  const mine = saved.filter((t) => t.name.startsWith(`${prefix}/`));
  if (mine.length !== model.weights.length)
    throw new CheckpointError(
      `the checkpoint has ${mine.length} ${prefix} weights, the model ${model.weights.length}: was it saved from another model?`,
    );
  const values = model.weights.map((w, i) => {
    const t = mine[i]!;
    if (t.shape.join(',') !== w.shape.join(','))
      throw new CheckpointError(
        `${t.name} is [${t.shape.join(', ')}] in the checkpoint but [${w.shape.join(', ')}] in the model`,
      );
    return tf.tensor(t.data, t.shape, t.dtype);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/**
 * Adam's running powers β₁ᵗ and β₂ᵗ. tfjs's `setWeights` recomputes them as
 * pow(β, t + 1), which differs from the running product in the last float32
 * bits, and a resumed run would drift from an unbroken one; so they are
 * saved and put back as they were. (They are private fields of tfjs's Adam.)
 */
interface AdamPowers {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}
const POWERS = ['accBeta1', 'accBeta2'] as const;

/** The optimizer's state (Adam: step count, both moments and β powers), named `<prefix>/<n>/<name>`. */
export async function optimizerTensors(opt: tf.Optimizer, prefix: string): Promise<NamedTensor[]> {
  const weights = await opt.getWeights();
  // Index in the name: tfjs matches optimizer slots by order, and names can repeat.
  const out = await Promise.all(
    weights.map((w, i) => toNamed(`${prefix}/${i}/${w.name}`, w.tensor)),
  );
  const powers = opt as unknown as AdamPowers;
  for (const p of POWERS) {
    const v = powers[p];
    if (v) out.push(await toNamed(`${prefix}/powers/${p}`, v));
  }
  return out;
}

/** Restores state saved by `optimizerTensors`, in its saved order. */
export async function setOptimizerTensors(
  opt: tf.Optimizer,
  prefix: string,
  saved: NamedTensor[],
): Promise<void> {
  const mine = saved
    .filter((t) => t.name.startsWith(`${prefix}/`) && !t.name.startsWith(`${prefix}/powers/`))
    .map((t) => {
      const rest = t.name.slice(prefix.length + 1);
      const cut = rest.indexOf('/');
      return { order: Number(rest.slice(0, cut)), name: rest.slice(cut + 1), t };
    })
    .sort((a, b) => a.order - b.order);
  // Adam with no saved state would start its moments afresh: not the run that was saved.
  if (mine.length === 0) throw new CheckpointError(`the checkpoint holds no ${prefix} state`);
  const named = mine.map(({ name, t }) => ({ name, tensor: tf.tensor(t.data, t.shape, t.dtype) }));
  await opt.setWeights(named);
  // setWeights copies what it keeps into variables of its own.
  tf.dispose(named.map((n) => n.tensor));
  const powers = opt as unknown as AdamPowers;
  for (const p of POWERS) {
    const t = saved.find((s) => s.name === `${prefix}/powers/${p}`);
    const v = powers[p];
    if (t && v) tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, t.dtype)));
  }
}

/** A Layers model in TensorFlow.js's own file format: model.json and one weights file. */
export interface TfjsModelFiles {
  /** model.json, naming `weights.bin` as its one weights file. */
  modelJson: string;
  weights: ArrayBuffer;
}

/**
 * The model as TensorFlow.js saves it (`tf.loadLayersModel` reads it back in
 * any project). Saving goes through tfjs's own serialiser, into memory.
 */
export async function tfjsModelFiles(model: tf.LayersModel): Promise<TfjsModelFiles> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = saved as tf.io.ModelArtifacts | null;
  if (!a?.modelTopology || !a.weightSpecs || !a.weightData)
    throw new Error('TensorFlow.js saved no topology or weights for this model');
  const weights = tf.io.CompositeArrayBuffer.join(a.weightData);
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  });
  return { modelJson, weights };
}
