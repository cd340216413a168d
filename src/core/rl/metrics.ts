/**
 * Shop metrics, counted per run and summarised over seeds with 95% intervals.
 *
 *   CTR                clicks / steps (a step shows one slate)
 *   add-to-cart rate   carts / steps
 *   conversion         sessions with a purchase / finished sessions
 *   revenue/session    revenue / finished sessions (currency units)
 *   session length     steps of finished sessions / finished sessions
 *   reward/step        cumulative reward / steps
 *   regret             cumulative expected regret against the oracle
 *
 * The interval is mean ± t(0.975, n−1) · sd / √n over the n seeds (Student's
 * t, since a handful of seeds is the norm); with one seed it is the mean alone.
 */
import type { StepEvents } from './sim/events';

export const METRICS = [
  'ctr',
  'cartRate',
  'conversion',
  'revenuePerSession',
  'sessionLength',
  'rewardPerStep',
  'reward',
  'regret',
] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_LABELS: Record<MetricName, string> = {
  ctr: 'CTR',
  cartRate: 'add-to-cart rate',
  conversion: 'conversion',
  revenuePerSession: 'revenue / session',
  sessionLength: 'session length',
  rewardPerStep: 'reward / step',
  reward: 'cumulative reward',
  regret: 'cumulative regret',
};

/** Running counts for one run (or one segment of it). */
export class ShopCounter {
  steps = 0;
  clicks = 0;
  carts = 0;
  purchases = 0;
  revenue = 0;
  reward = 0;
  regret = 0;
  sessions = 0;
  sessionSteps = 0;
  convertedSessions = 0;

  add(e: StepEvents, reward: number, regret: number): void {
    this.steps++;
    if (e.clicked >= 0) this.clicks++;
    if (e.carted) this.carts++;
    if (e.purchased) this.purchases++;
    this.revenue += e.revenue;
    this.reward += reward;
    this.regret += regret;
  }

  endSession(length: number, converted: boolean): void {
    this.sessions++;
    this.sessionSteps += length;
    if (converted) this.convertedSessions++;
  }

  values(): Record<MetricName, number> {
    const per = (a: number, b: number): number => (b > 0 ? a / b : NaN);
    return {
      ctr: per(this.clicks, this.steps),
      cartRate: per(this.carts, this.steps),
      conversion: per(this.convertedSessions, this.sessions),
      revenuePerSession: per(this.revenue, this.sessions),
      sessionLength: per(this.sessionSteps, this.sessions),
      rewardPerStep: per(this.reward, this.steps),
      reward: this.reward,
      regret: this.regret,
    };
  }
}

/** What one run of one agent on one seed counted, overall and per segment, with its curves. */
export interface RunOutcome {
  total: ShopCounter;
  segments: ShopCounter[];
  /** Cumulative reward and regret at the run's curve steps. */
  reward: number[];
  regret: number[];
  /** Wall time, for the record (never asserted). */
  milliseconds: number;
}

/** Two-sided 97.5% quantiles of Student's t for 1 to 30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048,
  2.045, 2.042,
];

export interface Interval {
  mean: number;
  /** Half-width of the 95% interval (0 with one sample). */
  half: number;
  low: number;
  high: number;
  n: number;
}

/** Mean and 95% interval of the finite values (NaNs, e.g. no finished session, are left out). */
export function interval(values: readonly number[]): Interval {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { mean: NaN, half: NaN, low: NaN, high: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, half: 0, low: mean, high: mean, n };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const t = n - 1 <= T975.length ? T975[n - 2]! : 1.96;
  const half = (t * Math.sqrt(variance)) / Math.sqrt(n);
  return { mean, half, low: mean - half, high: mean + half, n };
}
