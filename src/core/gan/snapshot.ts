/**
 * What a GAN job reports to the page (snapshots, quality measurements, the
 * toy view) and what the page may ask it. Types only: the page and the
 * protocol import them without tfjs.
 */
import type { GanConfig } from './config';
import type { ImageShape } from './models';

/** Values recorded per step, in this order: D loss, G loss, mean D(x), mean D(G(z)). */
export const STATS_PER_STEP = 4;

/** One quality measurement. */
export interface GanMetrics {
  step: number;
  inceptionScore: number;
  fid: number;
  /** Generated digits the classifier put in each class. */
  histogram: number[];
  /** Conditional GAN only: share of digits classified as the digit asked for. */
  labelAccuracy: number | null;
}

/** The real test digits' values: what a perfect generator would score. */
export interface GanReference {
  inceptionScore: number;
  fid: number;
  histogram: number[];
  classifierAccuracy: number | null;
}

/** What the toy view draws. Points are flat (x, y) pairs in data space. */
export interface ToyView {
  real: Float32Array;
  fake: Float32Array;
  /** G applied to a warpSide x warpSide grid of latent points, row by row. */
  warp: Float32Array;
  warpSide: number;
  /** D(x) = sigmoid(logit) on a fieldSide x fieldSide grid over the view, row 0 at the top. */
  field: Float32Array;
  fieldSide: number;
  extent: number;
  /** Ring and grid only: modes hit by the generated points, and their share near a mode. */
  coverage: { hit: number; total: number; quality: number } | null;
}

export interface GanSnapshot {
  kind: 'gan';
  model: GanConfig['model'];
  step: number;
  /** Stats of steps firstStatStep+1 ... since the last snapshot, STATS_PER_STEP values each. */
  firstStatStep: number;
  stats: Float32Array;
  /** A fresh sample grid from the fixed noise, when one was due (image models). */
  samples: SampleFrame | null;
  /** New quality measurements since the last snapshot. */
  metrics: GanMetrics[];
  reference: GanReference | null;
  toy: ToyView | null;
  /** Step of the state a rollback would return to. */
  lastGoodStep: number;
  numTensors: number;
  backend: string;
}

/** What the page may ask a running GAN job for. */
export type GanQuery =
  | { kind: 'interpolate'; from: number; to: number; steps: number }
  | { kind: 'generate'; digit: number; count: number };

/** Generated images as bytes, `side * side * channels` each, in [0, 255]. */
export interface GanImages extends ImageShape {
  pixels: Uint8Array;
  count: number;
}

/** The fixed-noise sample grid at a step. */
export interface SampleFrame extends GanImages {
  step: number;
  cols: number;
}

export type GanAnswer = GanImages;
