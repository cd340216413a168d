/**
 * A log of slates whose truth is known, as a shop would export it: each
 * decision shows K items, one per slot, each slot filled independently by
 * a known logging policy from a block of items of its own (so a slate
 * never shows an item twice, and its slots are independent: what the
 * pseudo-inverse estimator's closed form assumes), and each shown item is
 * clicked with a probability that depends on the segment and the item
 * alone (what per-position IPS assumes).
 */
import { csvText } from '../../../src/core/data/csv';
import { createRandom } from '../../../src/core/random';

export interface SlateProblem {
  segments: string[];
  slots: number;
  /** Items per slot's block: slot k shows items k·block to (k+1)·block − 1. */
  block: number;
  /** P(click) per segment and item. */
  click: number[][];
  /** μ(k, a | x): per segment, slots × items, row-major. */
  logging: Float64Array[];
}

export function slateProblem(seed: number, slots = 3, block = 10): SlateProblem {
  const rng = createRandom(seed);
  const segments = ['students', 'families', 'premium'];
  const items = slots * block;
  return {
    segments,
    slots,
    block,
    click: segments.map(() => Array.from({ length: items }, () => 0.05 + 0.4 * rng.next())),
    logging: segments.map(() => {
      const m = new Float64Array(slots * items);
      for (let k = 0; k < slots; k++) {
        const w = Array.from({ length: block }, () => 0.2 + rng.next());
        const sum = w.reduce((a, b) => a + b, 0);
        w.forEach((v, j) => (m[k * items + k * block + j] = v / sum));
      }
      return m;
    }),
  };
}

const itemId = (a: number) => `sku-${a + 1}`;

/** `decisions` decisions, one per shopper, as the log's CSV; with the propensities unless told not. */
export function slateLogCsv(
  p: SlateProblem,
  decisions: number,
  seed: number,
  o: { propensities?: boolean } = {},
): string {
  const rng = createRandom(seed);
  const items = p.slots * p.block;
  const withP = o.propensities ?? true;
  const head = ['user_id', 'item_id', 'event', 'timestamp', 'segment', 'decision', 'position'];
  const rows: (string | number)[][] = [withP ? [...head, 'propensity'] : head];
  const start = Date.UTC(2026, 0, 5, 9);
  for (let i = 0; i < decisions; i++) {
    const x = Math.floor(rng.next() * p.segments.length);
    const at = (s: number) => new Date(start + i * 60_000 + s * 1000).toISOString();
    const shown: number[] = [];
    for (let k = 0; k < p.slots; k++) {
      let u = rng.next();
      let a = k * p.block;
      while (a < (k + 1) * p.block - 1 && u >= p.logging[x]![k * items + a]!)
        u -= p.logging[x]![k * items + a++]!;
      shown.push(a);
      const tail = [p.segments[x]!, `d${i + 1}`, k];
      rows.push([
        `shopper-${i + 1}`,
        itemId(a),
        'view',
        at(k),
        ...tail,
        ...(withP ? [p.logging[x]![k * items + a]!] : []),
      ]);
    }
    shown.forEach((a, k) => {
      if (rng.next() < p.click[x]![a]!)
        rows.push([
          `shopper-${i + 1}`,
          itemId(a),
          'click',
          at(10 + k),
          p.segments[x]!,
          `d${i + 1}`,
          k,
          ...(withP ? [''] : []),
        ]);
    });
  }
  return csvText(rows);
}

/**
 * A team's slate policy as its file (segment,position,item,probability):
 * per segment and slot, `sharp` on the block's best item and the rest
 * spread evenly over the block; with its marginals.
 */
export function sharpSlatePolicy(
  p: SlateProblem,
  sharp: number,
): { csv: string; marginals: Float64Array[] } {
  const items = p.slots * p.block;
  const marginals = p.segments.map((_, x) => {
    const m = new Float64Array(p.slots * items);
    for (let k = 0; k < p.slots; k++) {
      const block = Array.from({ length: p.block }, (_, j) => k * p.block + j);
      const best = block.reduce((b, a) => (p.click[x]![a]! > p.click[x]![b]! ? a : b));
      for (const a of block) m[k * items + a] = (1 - sharp) / p.block + (a === best ? sharp : 0);
    }
    return m;
  });
  const rows: (string | number)[][] = [['segment', 'position', 'item', 'probability']];
  p.segments.forEach((name, x) => {
    for (let k = 0; k < p.slots; k++)
      for (let a = 0; a < items; a++) {
        const q = marginals[x]![k * items + a]!;
        if (q > 0) rows.push([name, k, itemId(a), q]);
      }
  });
  return { csv: csvText(rows), marginals };
}

/** The expected clicks per slate of a policy with these marginals, over segments weighted as `share`. */
export function slateTruth(p: SlateProblem, marginals: Float64Array[], share: number[]): number {
  const items = p.slots * p.block;
  let v = 0;
  p.segments.forEach((_, x) => {
    let own = 0;
    for (let k = 0; k < p.slots; k++)
      for (let a = 0; a < items; a++) own += marginals[x]![k * items + a]! * p.click[x]![a]!;
    v += share[x]! * own;
  });
  return v;
}
