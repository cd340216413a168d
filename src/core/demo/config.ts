/** Settings of the demo job, kept apart from the model so the page can use them without tfjs. */

export interface DemoConfig {
  /** Units in the single hidden layer (relu). Range 4-256, default 32. */
  hidden: number;
  /** Digits per training step. Range 1-512, default 32. */
  batchSize: number;
  /** Adam learning rate. Range 1e-5 to 1, default 0.003. */
  learningRate: number;
  /** Seed for weight init and batch sampling. Any integer, default 1. */
  seed: number;
  /** Test accuracy is measured every this many steps on `evalSize` test digits; 0 = never. Default 20. */
  evalEvery: number;
  /** Test digits used for each accuracy measurement. Range 10-1000, default 200. */
  evalSize: number;
  /** Digits of the current batch sent to the page for display. Range 0-64, default 16. */
  previewCount: number;
}

export const DEFAULT_DEMO_CONFIG: DemoConfig = {
  hidden: 32,
  batchSize: 32,
  learningRate: 0.003,
  seed: 1,
  evalEvery: 20,
  evalSize: 200,
  previewCount: 16,
};

const LIMITS: Record<keyof DemoConfig, [number, number]> = {
  hidden: [4, 256],
  batchSize: [1, 512],
  learningRate: [1e-5, 1],
  seed: [-(2 ** 31), 2 ** 31 - 1],
  evalEvery: [0, 100_000],
  evalSize: [10, 1000],
  previewCount: [0, 64],
};

/** Checks a config; returns the first problem in words, or null. */
export function demoConfigError(c: DemoConfig): string | null {
  for (const key of Object.keys(LIMITS) as (keyof DemoConfig)[]) {
    const v = c[key];
    const [lo, hi] = LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      return `${key} must be a number from ${lo} to ${hi}`;
    }
    if (key !== 'learningRate' && !Number.isInteger(v)) return `${key} must be a whole number`;
  }
  return null;
}
