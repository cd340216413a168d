/**
 * What the log-trained models learn from: labelled (shopper, item) pairs for
 * collaborative filtering, one example per view for the purchase predictors
 * (features that look only backwards), and the simulator's truth beside the
 * log it writes.
 */
import { describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { createRandom } from '../../../../src/core/random';
import {
  labelledPairs,
  positivesByUser,
  rankingCandidates,
  splitPairs,
} from '../../../../src/core/rl/models/log-pairs';
import { funnelOf, viewExamples } from '../../../../src/core/rl/models/view-examples';
import { simulatedLog, simulatedLogCsv } from '../../../../src/core/rl/sim/simulated-log';

const HEADER = 'user_id,item_id,event,timestamp,price,category,segment\n';
// Rows out of time order on purpose: a's purchase of i1 comes after the second view of i1.
const CSV =
  HEADER +
  'a,i1,view,2026-01-05T10:00:00Z,10,shoes,new\n' +
  'a,i1,click,2026-01-05T10:00:01Z,10,shoes,new\n' +
  'a,i2,view,2026-01-05T10:01:00Z,100,hats,new\n' +
  'a,i1,purchase,2026-01-05T10:03:01Z,10,shoes,new\n' +
  'a,i1,view,2026-01-05T10:03:00Z,10,shoes,new\n' +
  'b,i2,view,2026-01-05T10:00:00Z,100,hats,loyal\n' +
  'b,i3,view,2026-01-05T10:00:05Z,50,hats,loyal\n' +
  'b,i3,cart,2026-01-05T10:00:06Z,50,hats,loyal\n';

describe('labelled pairs for collaborative filtering', () => {
  it('labels each (shopper, item) once: engaged 1, only seen 0', async () => {
    const log = await parseInteractionLog(CSV);
    const p = labelledPairs(log, { positive: 'click' }, createRandom(1));
    const rows = Array.from({ length: p.size }, (_, r) => [
      log.userIds[p.user[r]!],
      log.itemIds[p.item[r]!],
      p.label[r],
    ]);
    expect(rows.sort()).toEqual([
      ['a', 'i1', 1],
      ['a', 'i2', 0],
      ['b', 'i2', 0],
      ['b', 'i3', 1],
    ]);
    const bought = labelledPairs(log, { positive: 'purchase' }, createRandom(1));
    expect(Array.from(bought.label).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('samples negatives among untouched items when the log records no views', async () => {
    // Ten shoppers, three purchases each, thirty items: each has 27 it never touched.
    const rows = Array.from({ length: 30 }, (_, i) => `u${i % 10},i${i},purchase`);
    const log = await parseInteractionLog('user_id,item_id,event\n' + rows.join('\n'));
    const p = labelledPairs(log, { positive: 'purchase', sampledNegatives: 3 }, createRandom(2));
    const positives = positivesByUser(p);
    let negatives = 0;
    for (let r = 0; r < p.size; r++) {
      if (p.label[r] === 1) continue;
      negatives++;
      expect(positives.get(p.user[r]!)?.has(p.item[r]!)).toBe(false);
    }
    expect(negatives).toBe(30 * 3);
    expect(
      new Set(Array.from({ length: p.size }, (_, r) => p.user[r]! * 1000 + p.item[r]!)).size,
    ).toBe(p.size);
  });

  it('splits the pairs and draws ranking candidates the shopper never engaged with', async () => {
    const { csv } = simulatedLog({ shop: 'fashion', sessions: 300, seed: 2 });
    const log = await parseInteractionLog(csv);
    const rng = createRandom(3);
    const pairs = labelledPairs(log, { positive: 'click' }, rng);
    const split = splitPairs(pairs, rng);
    expect(split.train.size + split.test.size).toBe(pairs.size);
    expect(split.test.size).toBe(Math.round(pairs.size * 0.2));
    const c = rankingCandidates(split, log.itemIds.length, 99, rng);
    expect(c.judged).toBeGreaterThan(10);
    const own = positivesByUser(pairs);
    for (let j = 0; j < c.judged; j++) {
      const u = c.user[j * 100]!;
      expect(own.get(u)!.has(c.item[j * 100]!)).toBe(true);
      for (let k = 1; k < 100; k++) {
        expect(c.user[j * 100 + k]).toBe(u);
        expect(own.get(u)!.has(c.item[j * 100 + k]!)).toBe(false);
      }
    }
  });
});

describe('view examples for the purchase predictors', () => {
  it('labels a view by what followed it before the next view of that item, with features from before it', async () => {
    const log = await parseInteractionLog(CSV);
    const x = viewExamples(log);
    expect(x.names).toEqual([
      'segment: new',
      'segment: loyal',
      'category: shoes',
      'category: hats',
      'category: other',
      'price band',
      'views so far',
      'clicked before',
      'carted before',
      'bought before',
    ]);
    expect(x.shopperColumns.map((c) => x.names[c])).toEqual([
      'segment: new',
      'segment: loyal',
      'views so far',
      'clicked before',
      'carted before',
      'bought before',
    ]);
    const D = x.names.length;
    const example = (user: string, nth: number) => {
      const ks = Array.from({ length: x.size }, (_, k) => k).filter(
        (k) => log.userIds[x.user[k]!] === user,
      );
      const k = ks[nth]!;
      return {
        item: log.itemIds[x.item[k]!],
        clicked: x.clicked[k],
        purchased: x.purchased[k],
        f: Array.from(x.values.subarray(k * D, (k + 1) * D)),
      };
    };
    // a: i1 at 10:00 (clicked), i2 at 10:01, i1 again at 10:03 (then bought).
    const a0 = example('a', 0);
    const a2 = example('a', 2);
    expect([a0.item, a0.clicked, a0.purchased]).toEqual(['i1', 1, 0]);
    expect([example('a', 1).item, example('a', 1).clicked]).toEqual(['i2', 0]);
    // A purchase is engagement too: the view that led to it counts as clicked.
    expect([a2.item, a2.clicked, a2.purchased]).toEqual(['i1', 1, 1]);
    expect(a0.f.slice(6)).toEqual([0, 0, 0, 0]);
    expect(a2.f[6]).toBeCloseTo(Math.log1p(2) / Math.log1p(30), 6);
    expect(a2.f.slice(7)).toEqual([1, 0, 0]);
    expect(a0.f.slice(0, 5)).toEqual([1, 0, 1, 0, 0]);
    // Prices 10 to 100 on a log scale: 10 → 0, 100 → 1, 50 → log(5) / log(10).
    expect(a0.f[5]).toBe(0);
    expect(example('b', 1).f[5]).toBeCloseTo(Math.log(5) / Math.log(10), 6);
    expect([example('b', 1).clicked, example('b', 1).purchased]).toEqual([1, 0]);
    expect(funnelOf(log)).toMatchObject({
      views: 5,
      clickGivenView: 0.2,
      cartGivenClick: 1,
      purchaseGivenCart: 1,
    });
  });
});

describe('a simulated log and its truth', () => {
  it('writes the same CSV with or without the truth, one true probability per view row', async () => {
    const o = { shop: 'fashion', sessions: 200, seed: 4 } as const;
    const sim = simulatedLog(o);
    expect(sim.csv).toBe(simulatedLogCsv(o));
    const log = await parseInteractionLog(sim.csv);
    expect(sim.truth.viewClick.length).toBe(log.summary.events.view);
    expect(sim.truth.itemClick.length).toBe(400);
    for (let v = 0; v < sim.truth.viewClick.length; v++) {
      expect(sim.truth.viewPurchase[v]).toBeLessThanOrEqual(sim.truth.viewClick[v]!);
      expect(sim.truth.viewClick[v]).toBeGreaterThan(0);
    }
    // The funnel's chain, observed, against its truth: clicks per view near the true mean.
    const meanClick = sim.truth.viewClick.reduce((a, b) => a + b, 0) / sim.truth.viewClick.length;
    expect(Math.abs(funnelOf(log).clickGivenView - meanClick)).toBeLessThan(0.03);
  });
});
