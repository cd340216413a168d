/**
 * What a run of one of the source's recommender models trains on and for
 * how long, and what its snapshots carry to the page. Plain data, so the
 * page can check a config without loading tfjs.
 */
import type { Funnel } from './view-examples';
import type { LogPrior } from '../agents/log-prior';

export const LOG_MODEL_LABELS = {
  cf: 'Collaborative filtering',
  predictor: 'Demand predictor',
  'two-headed': 'Two-headed network',
} as const;
export type LogModelName = keyof typeof LOG_MODEL_LABELS;

export const LOG_SOURCES = {
  simulated: 'A log the simulator writes (fashion shop)',
  sample: 'The sample log (300 sessions)',
  own: 'Your log (read under Shoppers)',
} as const;
export type LogSource = keyof typeof LOG_SOURCES;

export interface LogModelConfig {
  model: LogModelName;
  source: LogSource;
  /** Sessions the simulator logs (source `simulated`), 500 to 20,000. */
  sessions: number;
  /** Passes over the training rows before the run pauses, 1 to 50. */
  epochs: number;
  seed: number;
}

export const LOG_MODEL_PRESET: LogModelConfig = {
  model: 'cf',
  source: 'simulated',
  sessions: 10_000,
  epochs: 5,
  seed: 1,
};

/**
 * The largest log the models train on. CF's tables grow with the shoppers
 * and items, the two-headed network's softmax with the items, and a saved
 * run holds each table four times (the weights, Adam's two moments, what
 * the last epoch learned) besides your log: at these limits and the
 * importer's 2,000,000 rows, a session stays well under the import's limit
 * (tests/unit/store/max-sessions.test.ts measures it).
 */
export const MODEL_LOG_LIMITS = { shoppers: 200_000, items: 20_000 } as const;

/** Why a log with these many shoppers and items cannot train a model here, or null. */
export function logSizeProblem(shoppers: number, items: number): string | null {
  if (shoppers < 5 || items < 2)
    return `a log needs at least 5 shoppers and 2 items to train on, this one has ${shoppers.toLocaleString('en')} and ${items.toLocaleString('en')}`;
  const { shoppers: maxShoppers, items: maxItems } = MODEL_LOG_LIMITS;
  if (shoppers > maxShoppers || items > maxItems)
    return `the models train on logs of up to ${maxShoppers.toLocaleString('en')} shoppers and ${maxItems.toLocaleString('en')} items, this one has ${shoppers.toLocaleString('en')} and ${items.toLocaleString('en')}`;
  return null;
}

const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** The first problem with a config, or null. */
export function logModelConfigError(c: LogModelConfig): { field: string; message: string } | null {
  if (!Object.hasOwn(LOG_MODEL_LABELS, c.model))
    return { field: 'model', message: `is one of ${Object.keys(LOG_MODEL_LABELS).join(', ')}` };
  if (!Object.hasOwn(LOG_SOURCES, c.source))
    return { field: 'log', message: `is one of ${Object.keys(LOG_SOURCES).join(', ')}` };
  if (c.source === 'simulated' && !whole(c.sessions, 500, 20_000))
    return { field: 'sessions', message: 'must be a whole number from 500 to 20,000' };
  if (!whole(c.epochs, 1, 50))
    return { field: 'epochs', message: 'must be a whole number from 1 to 50' };
  if (!Number.isSafeInteger(c.seed)) return { field: 'seed', message: 'must be a whole number' };
  return null;
}

/** One epoch's held-out measurement. */
export interface EpochReport {
  epoch: number;
  /** Minibatch steps so far. */
  steps: number;
  /** Training time so far, seconds (evaluation not counted). */
  seconds: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Held-out metrics by name (log-runs.ts names them). */
  metrics: Record<string, number>;
}

export type { LogPrior };

export interface LogModelSnapshot {
  kind: 'log-model';
  step: number;
  /** Steps in one epoch. */
  epochSteps: number;
  /** Every finished epoch so far. */
  epochs: EpochReport[];
  /** What the model trains on. */
  data: {
    rows: number;
    shoppers: number;
    items: number;
    trainRows: number;
    testRows: number;
    funnel: Funnel;
    /** The log came from the simulator, so checks against its truth are in the metrics. */
    truth: boolean;
  };
  backend: string;
  /**
   * CF's tables and the log's sales, mapped onto the shop that wrote the log,
   * as of the last epoch: what a race started from this model carries. Null
   * for the other models, and before CF's first epoch.
   */
  prior: LogPrior | null;
}
