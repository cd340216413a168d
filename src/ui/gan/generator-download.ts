/**
 * The GAN lab's "Download generator (TF.js)": the generator as model.json and
 * weights.bin, with a README on its inputs and outputs, zipped.
 */
import { isConditional, type GanConfig, type GanModelKind } from '../../core/gan/config';
import type { TfjsModelFiles } from '../../core/store/tf-state';
import { download } from '../common/export-chart';

export const MODEL_NAMES: Record<GanModelKind, string> = {
  article: 'Article GAN',
  'article-tuned': 'Article GAN, made to work',
  dcgan: 'DCGAN',
  conditional: 'Conditional GAN',
  'conditional-mlp': 'Quick digits (conditional MLP)',
  toy: 'Toy GAN',
};

/** Zips the generator's files with a README and downloads them. */
export async function saveGenerator(
  files: TfjsModelFiles,
  config: GanConfig,
  step: number,
): Promise<void> {
  const { zipSync, strToU8 } = await import('fflate');
  const conditional = isConditional(config.model);
  const out =
    config.model === 'toy'
      ? '2 numbers (a point in the plane)'
      : 'the image’s pixels, row by row, in [-1, 1]';
  const readme = [
    `${MODEL_NAMES[config.model]} generator from DemandLab, at step ${step}.`,
    '',
    'Load it with TensorFlow.js:',
    "  const g = await tf.loadLayersModel('model.json');  // weights.bin beside it",
    '',
    `Input: [n, ${config.latentSize + (conditional ? 10 : 0)}]: ${config.latentSize} standard normal noise values${conditional ? ', then the digit one-hot (10 values)' : ''}.`,
    `Output: [n, …]: ${out}.`,
    '',
  ].join('\n');
  const zip = zipSync({
    'model.json': strToU8(files.modelJson),
    'weights.bin': new Uint8Array(files.weights),
    'README.txt': strToU8(readme),
  });
  download(
    `demandlab-${config.model}-generator-step${step}-tfjs.zip`,
    new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
  );
}
