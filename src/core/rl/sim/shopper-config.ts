/**
 * The settings of the simulated shoppers (shoppers.ts has the model they
 * drive): segments with their tastes, the funnel's rates, session lengths,
 * and optionally the given shoppers who arrive. `checkShopperConfig` names
 * the first bad field.
 */

/** One shopper who arrives as given (built from feature rows in profiles.ts). */
export interface ShopperProfile {
  /** The segment index: its weights apply, and the shop sees it. */
  segment: number;
  /** Unit preference vector in the catalog's taste space. */
  preference: number[];
  priceSensitivity: number;
  /** Mean steps without a click before leaving, ≥ 1. */
  patience: number;
  /** Session budget, in median prices. */
  budget: number;
}

export interface SegmentConfig {
  name: string;
  /** Share of arriving shoppers, > 0 (shares are normalised over segments). */
  share: number;
  /** Weight of the taste match (cosine, −1 to 1) in an item's appeal, ≥ 0. */
  taste: number;
  /** Weight of quality − 0.5 in an item's appeal. */
  qualityWeight: number;
  /** Mean fall in appeal per unit of ln(price / median price), ≥ 0. */
  priceSensitivity: number;
  /** Mean steps without a click before leaving (P(leave | no click) = 1 / patience), ≥ 1. */
  patience: number;
  /** Median session budget, in median prices, > 0. */
  budget: number;
  /** Appeal bonus for an item not shown in the last `memory` steps of the session (novelty). */
  novelty: number;
}

export interface FunnelConfig {
  /** Weight of "no click" in the slate choice (an item of appeal 0 weighs 1), > 0. */
  outsideWeight: number;
  /** P(cart | click) for an item of cosine match 0, in (0, 1). Default 0.4. */
  cartGivenClick: number;
  /** P(purchase | cart) for a median-priced item within budget, in (0, 1). Default 0.5. */
  purchaseGivenCart: number;
  /** Logit shift of the cart decision per unit of cosine match, ≥ 0. */
  cartMatch: number;
  /** P(leave) after a click without a purchase, in [0, 1]. */
  leaveAfterClick: number;
  /** P(leave) after a purchase, in [0, 1]. */
  leaveAfterPurchase: number;
}

export interface ShopperConfig {
  segments: SegmentConfig[];
  /** A shopper's personal deviation from the segment direction (per coordinate), ≥ 0. */
  tasteSpread: number;
  /** Log-normal spread of personal price sensitivity, patience and budget, ≥ 0. */
  personalSpread: number;
  /** Per-step random walk of preferences (per coordinate), ≥ 0; 0 keeps tastes fixed. */
  drift: number;
  /** Shopper-steps between redraws of the segment directions; 0 = never. */
  seasonEvery: number;
  /** Appeal factor per recent showing of the same item, in (0, 1]; 1 = no fatigue. */
  fatigue: number;
  /** How many recent steps' items count for fatigue and novelty, 1 to 64. */
  memory: number;
  /** Longest session in steps, ≥ 1; reaching it ends the session without a leave. */
  maxSessionLength: number;
  funnel: FunnelConfig;
  /**
   * Given shoppers (profiles.ts) to draw arrivals from, uniformly, instead of
   * the segments' random ones; the segments still lend their weights.
   */
  profiles?: ShopperProfile[];
}

/** Throws a RangeError with `message` unless `ok`. */
export function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}
const isProbability = (p: number): boolean => p >= 0 && p <= 1;
const isOpenProbability = (p: number): boolean => p > 0 && p < 1;

/** Throws a RangeError naming the first bad field. */
export function checkShopperConfig(c: ShopperConfig): void {
  check(c.segments.length > 0, 'there must be at least one shopper segment');
  for (const s of c.segments) {
    const at = `segment "${s.name}": `;
    check(s.share > 0 && Number.isFinite(s.share), at + `share must be > 0, got ${s.share}`);
    check(s.taste >= 0, at + `taste must be ≥ 0, got ${s.taste}`);
    check(Number.isFinite(s.qualityWeight), at + 'qualityWeight must be finite');
    check(s.priceSensitivity >= 0, at + `priceSensitivity must be ≥ 0, got ${s.priceSensitivity}`);
    check(s.patience >= 1, at + `patience must be ≥ 1 step, got ${s.patience}`);
    check(s.budget > 0, at + `budget must be > 0, got ${s.budget}`);
    check(Number.isFinite(s.novelty), at + 'novelty must be finite');
  }
  check(c.tasteSpread >= 0, `tasteSpread must be ≥ 0, got ${c.tasteSpread}`);
  check(c.personalSpread >= 0, `personalSpread must be ≥ 0, got ${c.personalSpread}`);
  check(c.drift >= 0, `drift must be ≥ 0, got ${c.drift}`);
  check(
    Number.isInteger(c.seasonEvery) && c.seasonEvery >= 0,
    `seasonEvery must be a whole number ≥ 0, got ${c.seasonEvery}`,
  );
  check(c.fatigue > 0 && c.fatigue <= 1, `fatigue must be in (0, 1], got ${c.fatigue}`);
  check(
    Number.isInteger(c.memory) && c.memory >= 1 && c.memory <= 64,
    `memory must be 1 to 64 steps, got ${c.memory}`,
  );
  check(
    Number.isInteger(c.maxSessionLength) && c.maxSessionLength >= 1,
    `maxSessionLength must be a whole number ≥ 1, got ${c.maxSessionLength}`,
  );
  const f = c.funnel;
  check(f.outsideWeight > 0, `outsideWeight must be > 0, got ${f.outsideWeight}`);
  check(
    isOpenProbability(f.cartGivenClick),
    `cartGivenClick must be in (0, 1), got ${f.cartGivenClick}`,
  );
  check(
    isOpenProbability(f.purchaseGivenCart),
    `purchaseGivenCart must be in (0, 1), got ${f.purchaseGivenCart}`,
  );
  check(f.cartMatch >= 0, `cartMatch must be ≥ 0, got ${f.cartMatch}`);
  check(
    isProbability(f.leaveAfterClick),
    `leaveAfterClick must be 0 to 1, got ${f.leaveAfterClick}`,
  );
  check(
    isProbability(f.leaveAfterPurchase),
    `leaveAfterPurchase must be 0 to 1, got ${f.leaveAfterPurchase}`,
  );
}
