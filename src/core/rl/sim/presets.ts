/**
 * Ready-made shops. They differ in catalog size, price level and spread,
 * category structure and who shops there, and are tuned so learning shows
 * within a few thousand steps: the best items for a segment are clearly
 * better than an average one, but not so much better that a random pick is
 * hopeless or any agent finds them at once. The shopper presets follow the
 * article's funnel (a neutral item: P(cart | click) 0.4, P(purchase | cart) 0.5).
 */
import { checkCatalogConfig, type CatalogConfig } from './catalog';
import { checkProfiles } from './profiles';
import { checkShopperConfig, type FunnelConfig, type ShopperConfig } from './shopper-config';

export interface ShopConfig {
  catalog: CatalogConfig;
  shoppers: ShopperConfig;
  /** Items shown per step (K), 1 to the catalog size. */
  slateSize: number;
}

/** Throws a RangeError naming the first bad field. */
export function checkShopConfig(c: ShopConfig): void {
  checkCatalogConfig(c.catalog);
  checkShopperConfig(c.shoppers);
  if (!(Number.isInteger(c.slateSize) && c.slateSize >= 1))
    throw new RangeError(`slateSize must be a whole number ≥ 1, got ${c.slateSize}`);
  if (c.slateSize > c.catalog.items)
    throw new RangeError(
      `the slate (K = ${c.slateSize}) cannot show more items than the catalog has (${c.catalog.items})`,
    );
  if (c.shoppers.profiles)
    checkProfiles(c.shoppers.profiles, c.shoppers.segments.length, c.catalog.embeddingSize);
}

const FUNNEL: FunnelConfig = {
  outsideWeight: 12,
  cartGivenClick: 0.4,
  purchaseGivenCart: 0.5,
  cartMatch: 1.5,
  leaveAfterClick: 0.05,
  leaveAfterPurchase: 0.3,
};

const fashion: ShopConfig = {
  catalog: {
    items: 400,
    categories: 10,
    brandsPerCategory: 4,
    embeddingSize: 8,
    priceMedian: 40,
    categoryPriceSpread: 0.4,
    priceSpread: 0.5,
    itemSpread: 0.35,
    marginMin: 0.3,
    marginMax: 0.6,
  },
  shoppers: {
    segments: [
      {
        name: 'trend followers',
        share: 0.4,
        taste: 3,
        qualityWeight: 0.5,
        priceSensitivity: 0.6,
        patience: 6,
        budget: 3,
        novelty: 0.3,
      },
      {
        name: 'bargain hunters',
        share: 0.35,
        taste: 1.5,
        qualityWeight: 0.5,
        priceSensitivity: 2,
        patience: 8,
        budget: 1.5,
        novelty: 0.1,
      },
      {
        name: 'premium',
        share: 0.25,
        taste: 2,
        qualityWeight: 2.5,
        priceSensitivity: 0.2,
        patience: 4,
        budget: 8,
        novelty: 0.2,
      },
    ],
    tasteSpread: 0.3,
    personalSpread: 0.25,
    drift: 0.01,
    // A new season every 50,000 shopper-steps: tastes move under the agents' feet.
    seasonEvery: 50_000,
    fatigue: 0.8,
    memory: 8,
    maxSessionLength: 30,
    funnel: FUNNEL,
  },
  slateSize: 1,
};

const electronics: ShopConfig = {
  catalog: {
    items: 120,
    categories: 6,
    brandsPerCategory: 5,
    embeddingSize: 6,
    priceMedian: 300,
    categoryPriceSpread: 0.8,
    priceSpread: 0.6,
    itemSpread: 0.3,
    marginMin: 0.05,
    marginMax: 0.25,
  },
  shoppers: {
    segments: [
      {
        name: 'researchers',
        share: 0.5,
        taste: 2.5,
        qualityWeight: 2,
        priceSensitivity: 1,
        patience: 10,
        budget: 2,
        novelty: 0,
      },
      {
        name: 'deal seekers',
        share: 0.3,
        taste: 1,
        qualityWeight: 0.5,
        priceSensitivity: 2.5,
        patience: 6,
        budget: 1,
        novelty: 0.1,
      },
      {
        name: 'enthusiasts',
        share: 0.2,
        taste: 3,
        qualityWeight: 1.5,
        priceSensitivity: 0.3,
        patience: 12,
        budget: 6,
        novelty: 0.4,
      },
    ],
    tasteSpread: 0.25,
    personalSpread: 0.25,
    drift: 0.005,
    seasonEvery: 0,
    fatigue: 0.7,
    memory: 8,
    maxSessionLength: 40,
    funnel: { ...FUNNEL, outsideWeight: 15, purchaseGivenCart: 0.35 },
  },
  slateSize: 1,
};

const grocery: ShopConfig = {
  catalog: {
    items: 1000,
    categories: 20,
    brandsPerCategory: 6,
    embeddingSize: 10,
    priceMedian: 4,
    categoryPriceSpread: 0.5,
    priceSpread: 0.3,
    itemSpread: 0.4,
    marginMin: 0.15,
    marginMax: 0.4,
  },
  shoppers: {
    segments: [
      {
        name: 'weekly shop',
        share: 0.5,
        taste: 2,
        qualityWeight: 1,
        priceSensitivity: 1,
        patience: 8,
        budget: 20,
        novelty: 0,
      },
      {
        name: 'health conscious',
        share: 0.25,
        taste: 3,
        qualityWeight: 2,
        priceSensitivity: 0.4,
        patience: 6,
        budget: 15,
        novelty: 0.2,
      },
      {
        name: 'budget families',
        share: 0.25,
        taste: 1.5,
        qualityWeight: 0.3,
        priceSensitivity: 2.5,
        patience: 8,
        budget: 12,
        novelty: 0,
      },
    ],
    tasteSpread: 0.35,
    personalSpread: 0.25,
    drift: 0,
    seasonEvery: 0,
    // Groceries are bought again and again: little fatigue.
    fatigue: 0.9,
    memory: 8,
    maxSessionLength: 25,
    funnel: { ...FUNNEL, outsideWeight: 10, cartGivenClick: 0.5, purchaseGivenCart: 0.7 },
  },
  slateSize: 1,
};

export const SHOP_PRESETS = { fashion, electronics, grocery } as const satisfies Record<
  string,
  ShopConfig
>;
export type ShopName = keyof typeof SHOP_PRESETS;

export function isShopName(s: string): s is ShopName {
  return Object.hasOwn(SHOP_PRESETS, s);
}

/** A deep copy of a preset, safe to edit. */
export function shopPreset(name: ShopName): ShopConfig {
  return structuredClone(SHOP_PRESETS[name]) as ShopConfig;
}
