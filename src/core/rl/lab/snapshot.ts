/**
 * What the recommender lab's job reports to the page, and the constants both
 * sides read. Types and numbers only: the page imports this without the job
 * (whose DQN brings tfjs).
 */

/** Values per curve point: decisions, cumulative reward, cumulative regret, CTR, conversion. */
export const POINT_STRIDE = 5;
/** Column `k` of a run of curve points (see POINT_STRIDE) as {x: decisions, y} points. */
export function pointColumn(points: ArrayLike<number>, k: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let j = 0; j < points.length; j += POINT_STRIDE)
    out.push({ x: points[j]!, y: points[j + k]! });
  return out;
}

/** Funnel counts per agent: steps, clicks, carts, purchases, leaves, sessions ended. */
export const FUNNEL = ['steps', 'clicks', 'carts', 'purchases', 'leaves', 'sessions'] as const;
/** Shoppers per agent whose sessions are sent in full. */
export const SAMPLED_SHOPPERS = 6;

/** One step of a sampled shopper's session. */
export interface StepRecord {
  slate: number[];
  /** Slate position clicked, or -1. */
  position: number;
  carted: boolean;
  purchased: boolean;
  left: boolean;
  reward: number;
  regret: number;
}

export interface ShopperView {
  slot: number;
  /** The how-many-th shopper to visit this slot (1-based). */
  visitor: number;
  segment: number;
  /** The session so far (or, once it ended, all of it until the next shopper arrives). */
  steps: StepRecord[];
  ended: boolean;
}

export interface ArmView {
  /** Items shown (the truest and the most pulled), best true value first. */
  items: number[];
  truth: number[];
  mean: number[];
  low: number[];
  high: number[];
  pulls: number[];
}

export interface QView {
  /** Items of the columns: those with the highest Q in any state. */
  items: number[];
  /** states × items, row-major. */
  values: Float32Array;
  states: number;
}

export interface DqnView {
  /** [update, loss] pairs read back since the last snapshot. */
  loss: [number, number][];
  replay: number;
  capacity: number;
  updates: number;
  epsilon: number;
}

export interface AgentSnapshot {
  label: string;
  /** New curve points since the last snapshot, POINT_STRIDE values each. */
  points: Float64Array;
  /** Funnel counts since the start, in FUNNEL order. */
  funnel: number[];
  reward: number;
  regret: number;
  shoppers: ShopperView[];
  arms: ArmView | null;
  q: QView | null;
  dqn: DqnView | null;
}

export interface RecsysSnapshot {
  kind: 'recsys';
  step: number;
  /** Decisions each agent has made (rounds × population). */
  decisions: number;
  backend: string;
  agents: AgentSnapshot[];
  segmentNames: string[];
  /** Sent in the first snapshot only: each item's price (median = 1) and category. */
  catalog: { price: number[]; category: number[] } | null;
}
