/**
 * An interaction log written by the shop simulator, in the CSV format that
 * `parseInteractionLog` reads: what a logged e-commerce site would export.
 * Each step of a shopper's session shows a random slate (every shown item is
 * a `view`), and the shopper's click, cart and purchase follow as the
 * simulator decides. It makes the sample file the app ships and gives the
 * GAN something real-shaped to learn from without anyone's data.
 */
import { createRandom } from '../../random';
import { shopPreset, type ShopName } from './presets';
import { ShopEnv } from './shop-env';
import { SlateProbabilities } from './shoppers';

export interface SimulatedLogOptions {
  shop: ShopName;
  /** Shopper sessions to log. */
  sessions: number;
  seed: number;
  /** The first session's start, ms since 1970. */
  start?: number;
}

const HEADER = 'user_id,item_id,event,timestamp,price,category,segment';

/** The sample log the app ships (public/data/logs/sample-interactions.csv, made by datasets/). */
export const SAMPLE_LOG_OPTIONS = { shop: 'fashion', sessions: 300, seed: 1 } as const;

/**
 * What only the simulator knows about a log it wrote: the true
 * probabilities behind it, for checking what models learn from the log.
 */
export interface SimulatedLogTruth {
  /**
   * Per item, its true P(click) when shown alone at a session's first step,
   * averaged over the log's shoppers: the ranking a recommender should recover.
   */
  itemClick: Float64Array;
  /** Per `view` row, in file order: the true P(click) of that item in that slate. */
  viewClick: Float64Array;
  /** Per `view` row, in file order: the true P(click, cart and purchase) of that item. */
  viewPurchase: Float64Array;
}

export interface SimulatedLog {
  /** The log as CSV text (with a `segment` column for reference). */
  csv: string;
  truth: SimulatedLogTruth;
}

/** The simulator's action for a log item id it wrote (`sku-N` is item N − 1), or null for any other id. */
export function simulatedItemAction(itemId: string): number | null {
  const m = /^sku-([1-9][0-9]*)$/.exec(itemId);
  return m ? Number(m[1]) - 1 : null;
}

/** The log as CSV text (with a `segment` column the importer ignores, for reference). */
export function simulatedLogCsv(o: SimulatedLogOptions): string {
  return simulatedLog(o).csv;
}

/** The log and the true probabilities behind it; the truth draws nothing, so the CSV is the same either way. */
export function simulatedLog(o: SimulatedLogOptions): SimulatedLog {
  const config = shopPreset(o.shop);
  const env = new ShopEnv(config, { seed: o.seed });
  const rng = createRandom(o.seed + 17);
  const names = config.shoppers.segments.map((s) => s.name);
  const rows = [HEADER];
  let time = o.start ?? Date.UTC(2026, 0, 5, 9);
  const K = env.slateSize;
  const items = env.numActions;
  const itemClick = new Float64Array(items);
  const viewClick: number[] = [];
  const viewPurchase: number[] = [];
  const alone = new SlateProbabilities(1);
  const one = new Int32Array(1);
  for (let session = 0; session < o.sessions; session++) {
    env.reset();
    for (let item = 0; item < items; item++) {
      one[0] = item;
      itemClick[item]! += env.shoppers.probabilities(0, one, alone).click[0]!;
    }
    const user = `shopper-${String(session + 1).padStart(4, '0')}`;
    time += Math.round(60_000 + rng.next() * 600_000); // the next visit, 1 to 11 minutes later
    for (let done = false; !done;) {
      const slate = new Set<number>();
      while (slate.size < K) slate.add(rng.int(env.numActions));
      const shown = [...slate];
      const segment = names[env.shoppers.segment[0]!] ?? 'unknown';
      const out = env.step(shown);
      const at = new Date(time).toISOString();
      const row = (item: number, event: string) =>
        rows.push(
          `${user},sku-${item + 1},${event},${at},${env.catalog.price[item]!.toFixed(2)},cat-${env.catalog.category[item]! + 1},${segment}`,
        );
      const p = out.info.probabilities;
      shown.forEach((item, s) => {
        row(item, 'view');
        viewClick.push(p.click[s]!);
        viewPurchase.push(p.click[s]! * p.cart[s]! * p.purchase[s]!);
      });
      const e = out.info.events;
      if (e.clicked >= 0) {
        row(e.clicked, 'click');
        if (e.carted) row(e.clicked, 'cart');
        if (e.purchased) row(e.clicked, 'purchase');
      }
      time += Math.round(5_000 + rng.next() * 40_000);
      done = out.done;
    }
  }
  for (let item = 0; item < items; item++) itemClick[item]! /= Math.max(1, o.sessions);
  return {
    csv: rows.join('\n') + '\n',
    truth: {
      itemClick,
      viewClick: Float64Array.from(viewClick),
      viewPurchase: Float64Array.from(viewPurchase),
    },
  };
}
