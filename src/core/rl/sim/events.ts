/**
 * What one step of a shopper's session produced, as numbers a reward can be
 * built from. Every reward in DemandLab is a weighted sum of these event
 * features, which keeps the oracle exact: the expected reward of a slate is
 * the same weighted sum of expected features, computed from the shopper's true
 * probabilities.
 */

/** The event features, in the order of a features vector. */
export const EVENT_FEATURES = [
  'click',
  'cart',
  'purchase',
  'revenue',
  'margin',
  'leave',
  'leaveWithoutPurchase',
] as const;
export type EventFeature = (typeof EVENT_FEATURES)[number];
export const FEATURE_COUNT = EVENT_FEATURES.length;

/**
 * Index of each feature in a features vector:
 * click, cart, purchase: 1 when the step had one, else 0;
 * revenue: the purchased item's price over the shop's median price (0 without a purchase);
 * margin: the shop's cut of that price, in the same unit;
 * leave: the shopper left the shop after this step (a session that hits its
 *   length limit ends without a leave);
 * leaveWithoutPurchase: left after a step with no purchase (churn).
 */
export const F = {
  click: 0,
  cart: 1,
  purchase: 2,
  revenue: 3,
  margin: 4,
  leave: 5,
  leaveWithoutPurchase: 6,
} as const satisfies Record<EventFeature, number>;

/** The outcome of one step for one shopper. */
export interface StepEvents {
  /** The clicked item, or -1. */
  clicked: number;
  /** Position of the clicked item in the slate, or -1. */
  position: number;
  carted: boolean;
  purchased: boolean;
  left: boolean;
  /** Currency units paid (0 without a purchase). */
  revenue: number;
  /** Currency units the shop kept. */
  margin: number;
}

/** Writes the features of `e` into `out` (length FEATURE_COUNT); `priceUnit` is the shop's median price. */
export function eventFeatures(e: StepEvents, priceUnit: number, out: Float64Array): Float64Array {
  out[F.click] = e.clicked >= 0 ? 1 : 0;
  out[F.cart] = e.carted ? 1 : 0;
  out[F.purchase] = e.purchased ? 1 : 0;
  out[F.revenue] = e.revenue / priceUnit;
  out[F.margin] = e.margin / priceUnit;
  out[F.leave] = e.left ? 1 : 0;
  out[F.leaveWithoutPurchase] = e.left && !e.purchased ? 1 : 0;
  return out;
}
