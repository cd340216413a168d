/**
 * What the synthetic-shoppers GAN learns (a table of shopper features) and
 * what it reports to the page. Types only, so the page and the protocol
 * import them without tfjs.
 */
import type { FidelityReport } from '../data/fidelity';
import type { TstrTask } from '../data/tstr';

/** Values recorded per step: D loss, G loss, mean D(x), mean D(G(z)). */
export const TABULAR_STATS_PER_STEP = 4;

/** The rows a tabular GAN learns, and what "train on synthetic, test on real" predicts. */
export interface TabularData {
  names: string[];
  /** Row-major, values in [0, 1]. */
  values: Float32Array;
  /** The first `shares` columns sum to 1 in every row. */
  shares: number;
  /** Null when the table has no yes/no column to predict. */
  task: TstrTask | null;
  /**
   * A label per row (a shopper's segment) to condition G and D on, or null
   * for an unconditional GAN. G then makes rows of a chosen label.
   */
  condition?: { names: string[]; labels: Int32Array } | null;
}

export interface TabularSnapshot {
  kind: 'tabular-gan';
  step: number;
  firstStatStep: number;
  /** TABULAR_STATS_PER_STEP values per step since the last snapshot. D(x) is NaN after an empty private sample. */
  stats: Float32Array;
  fidelity: FidelityReport | null;
  /** With a condition and a fidelity measurement: the label of each synthetic row. */
  syntheticLabels: Int32Array | null;
  /** Rows that train D and rows held out from it. */
  split: { train: number; holdout: number };
  /** The guarantee so far, when training privately. */
  privacy: { epsilon: number; delta: number; sampleRate: number; steps: number } | null;
  numTensors: number;
  backend: string;
}
