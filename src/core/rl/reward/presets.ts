/**
 * Rewards for the shop environments: weights on the event features of
 * sim/events.ts. A later issue lets users type their own; these presets are
 * the starting points.
 */
import { EVENT_FEATURES, FEATURE_COUNT, type EventFeature } from '../sim/events';

export type RewardWeights = Partial<Record<EventFeature, number>>;

export interface RewardPreset {
  label: string;
  description: string;
  weights: RewardWeights;
}

export const REWARD_PRESETS = {
  clicks: {
    label: 'Clicks',
    description: '1 per click: what click-through-rate optimisation rewards.',
    weights: { click: 1 },
  },
  purchases: {
    label: 'Purchases',
    description: '1 per purchase: conversion, whatever the price.',
    weights: { purchase: 1 },
  },
  revenue: {
    label: 'Revenue',
    description: "The price paid, in units of the shop's median price.",
    weights: { revenue: 1 },
  },
  'margin-churn': {
    label: 'Margin minus churn',
    description:
      "The shop's margin on a purchase (in median prices), minus 0.1 when a shopper leaves without buying.",
    weights: { margin: 1, leaveWithoutPurchase: -0.1 },
  },
} as const satisfies Record<string, RewardPreset>;

export type RewardName = keyof typeof REWARD_PRESETS;

export function isRewardName(s: string): s is RewardName {
  return Object.hasOwn(REWARD_PRESETS, s);
}

/** Weights as a dense vector in EVENT_FEATURES order; throws on a non-finite or unknown weight. */
export function rewardVector(w: RewardWeights): Float64Array {
  const out = new Float64Array(FEATURE_COUNT);
  for (const [k, v] of Object.entries(w)) {
    const i = EVENT_FEATURES.indexOf(k as EventFeature);
    if (i < 0)
      throw new RangeError(`unknown reward feature "${k}"; use ${EVENT_FEATURES.join(', ')}`);
    if (!Number.isFinite(v))
      throw new RangeError(`reward weight for ${k} must be finite, got ${v}`);
    out[i] = v;
  }
  return out;
}

/** The reward of a features vector. */
export function dot(weights: Float64Array, features: Float64Array): number {
  let r = 0;
  for (let i = 0; i < weights.length; i++) r += weights[i]! * features[i]!;
  return r;
}
