/**
 * Settings of the tabular GAN that learns shopper feature vectors, kept apart
 * from the models so the page can check and show them without tfjs.
 */
import type { GanLossKind } from './config';

export interface TabularGanConfig {
  loss: GanLossKind;
  /** Size of the noise vector z. */
  latentSize: number;
  /** Units in each of the two hidden layers of G and of D. */
  hidden: number;
  /** Real rows per D step (the expected number under differential privacy). */
  batchSize: number;
  learningRateD: number;
  learningRateG: number;
  beta1: number;
  dStepsPerG: number;
  seed: number;
  /** Steps between fidelity measurements (synthetic rows against real ones). */
  fidelityEvery: number;
  /** Differentially private D updates (DP-SGD): per-row clipping and Gaussian noise. */
  privacy: boolean;
  /** Largest L2 norm one real row's gradient may have (C). */
  clipNorm: number;
  /** Noise standard deviation over the clipping norm (σ); more noise, smaller ε. */
  noiseMultiplier: number;
}

export const TABULAR_PRESET: TabularGanConfig = {
  loss: 'non-saturating',
  latentSize: 16,
  hidden: 64,
  batchSize: 64,
  learningRateD: 1e-3,
  learningRateG: 1e-3,
  beta1: 0.5,
  dStepsPerG: 1,
  seed: 1,
  fidelityEvery: 100,
  privacy: false,
  clipNorm: 1,
  noiseMultiplier: 1.1,
};

type NumericKey = {
  [K in keyof TabularGanConfig]: TabularGanConfig[K] extends number ? K : never;
}[keyof TabularGanConfig];

export const TABULAR_LIMITS: Record<NumericKey, { min: number; max: number; int: boolean }> = {
  latentSize: { min: 1, max: 128, int: true },
  hidden: { min: 4, max: 512, int: true },
  batchSize: { min: 2, max: 1024, int: true },
  learningRateD: { min: 1e-6, max: 0.1, int: false },
  learningRateG: { min: 1e-6, max: 0.1, int: false },
  beta1: { min: 0, max: 0.999, int: false },
  dStepsPerG: { min: 1, max: 10, int: true },
  seed: { min: -(2 ** 31), max: 2 ** 31 - 1, int: true },
  fidelityEvery: { min: 10, max: 100_000, int: true },
  clipNorm: { min: 1e-3, max: 100, int: false },
  noiseMultiplier: { min: 0.3, max: 20, int: false },
};

/** The first problem with a config, in words, or null. */
export function tabularConfigError(
  c: TabularGanConfig,
): { field: keyof TabularGanConfig; message: string } | null {
  if (!['minimax', 'non-saturating', 'hinge'].includes(c.loss))
    return { field: 'loss', message: `unknown loss ${String(c.loss)}` };
  if (typeof c.privacy !== 'boolean') return { field: 'privacy', message: 'must be on or off' };
  for (const key of Object.keys(TABULAR_LIMITS) as NumericKey[]) {
    const { min, max, int } = TABULAR_LIMITS[key];
    const v = c[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      return { field: key, message: 'must be a number' };
    if (v < min || v > max) return { field: key, message: `must be from ${min} to ${max}` };
    if (int && !Number.isInteger(v)) return { field: key, message: 'must be a whole number' };
  }
  return null;
}
