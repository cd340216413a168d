/**
 * How long until digits appear (the digits bar, metrics.ts), for the views
 * whose preset is measured to reach it: the steps it took (the slowest of
 * the seeds in tests/unit/gan/quick-digits.test.ts and the time-to-digits
 * bench, rounded up to the quality measurement that sees it), and from the
 * run's own speed, the time left on this device. Only the preset's settings
 * have a known figure: change a setting and the lab says it cannot tell.
 */
import { presetFor, type GanConfig, type GanModelKind } from './config';

/** Steps to the digits bar with each view's preset, where measured to reach it. */
export const STEPS_TO_DIGITS: Partial<Record<GanModelKind, number>> = {
  // Measured by the time-to-digits bench, seeds 1-3 (quality every 100 or 250 steps).
  'conditional-mlp': 1400,
  conditional: 300,
  'article-tuned': 1750,
  dcgan: 2700,
};

/** Settings that do not change what is learned: the seed, and how often the page is shown things. */
const IRRELEVANT: readonly (keyof GanConfig)[] = [
  'seed',
  'sampleEvery',
  'metricsEvery',
  'metricsSamples',
];

export interface DigitsEta {
  /** Steps the preset needs. */
  steps: number;
  /** Steps still to go from `step` (0 once there). */
  left: number;
  /** Seconds left at `stepsPerSecond`, or null before the speed is known. */
  seconds: number | null;
}

/** The estimate for `config` at `step`, or null where none is known (other settings, own images). */
export function digitsEta(
  config: GanConfig,
  step: number,
  stepsPerSecond: number,
): DigitsEta | null {
  const steps = STEPS_TO_DIGITS[config.model];
  if (steps === undefined || config.dataset !== 'mnist') return null;
  const preset = presetFor(config.model);
  const differs = (Object.keys(preset) as (keyof GanConfig)[]).some(
    (k) => !IRRELEVANT.includes(k) && JSON.stringify(preset[k]) !== JSON.stringify(config[k]),
  );
  if (differs) return null;
  const left = Math.max(0, steps - step);
  return { steps, left, seconds: stepsPerSecond > 0 ? left / stepsPerSecond : null };
}

/** The estimate in words, e.g. "about 1,500 steps: 1 min 10 s at this speed". */
export function etaText(eta: DigitsEta): string {
  if (eta.left === 0) return `past the ${eta.steps.toLocaleString('en')} steps they usually take`;
  const steps = `about ${eta.left.toLocaleString('en')} steps more`;
  if (eta.seconds === null) return `${steps} (the time shows once the first steps are timed)`;
  const s = Math.ceil(eta.seconds);
  const time = s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${steps}: ${time} at this device’s speed`;
}
