/**
 * A model trained on a log of your own (not one the simulator wrote) races
 * in a shop whose catalog is the log's own items: item i of the log is
 * action i, with the category it is most often logged under and the median
 * of its logged prices. The race's settings carry that catalog through the
 * config schema; a log with too few items trains but does not race.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { labShop, logRaceConfig, recsysConfigError } from '../../../../src/core/rl/lab/config';
import { readLogSource } from '../../../../src/core/rl/models/log-source';
import { simulatedLog } from '../../../../src/core/rl/sim/simulated-log';
import { readLabConfig } from '../../../../src/core/settings/lab-configs';
import { sampleLogText, trainLogModel } from '../../helpers/log-model';
import { runRace } from '../../helpers/race';
import { useWorkerWasm } from '../../helpers/kernel-checks';

beforeAll(useWorkerWasm);

/** A shop's export: the simulator's log with its item ids and segments renamed (nothing of it is the simulator's). */
function ownCsv(): string {
  const csv = simulatedLog({ shop: 'fashion', sessions: 1_000, seed: 3 }).csv;
  const [header, ...rows] = csv
    .replace(/sku-(\d+)/g, (_, n: string) => `P${(Number(n) * 7919) % 100_003}`)
    .split('\n');
  // One segment for everyone, under a name the race's shop does not have.
  return [header, ...rows.map((r) => r.replace(/,[^,]*$/, ',members'))].join('\n');
}

describe('a model trained on your own log', () => {
  it('races in a shop of the log’s items, with their categories and median prices', async () => {
    const own = { name: 'shop-export.csv', log: await parseInteractionLog(ownCsv()) };
    const { log } = own;
    expect(log.itemIds.some((id) => id.startsWith('sku-'))).toBe(false);
    expect(log.segmentNames).toEqual(['members']);
    const snap = await trainLogModel(
      { model: 'cf', source: 'own', sessions: 500, epochs: 1, seed: 4 },
      own,
    );
    const prior = snap.prior!;
    expect(prior.source).toBe('your log “shop-export.csv”');
    expect(prior.items).toBe(log.itemIds.length);
    expect(prior.catalog!.categories).toEqual(log.categoryNames);

    const config = logRaceConfig(prior);
    expect(recsysConfigError(config)).toBeNull();
    expect(config.items).toBe(log.itemIds.length);
    // Through the schema a saved race or a file passes, unchanged.
    const read = readLabConfig('recsys', JSON.parse(JSON.stringify(config)) as unknown);
    expect(read.problem).toBeNull();
    expect(JSON.stringify(read.config)).toBe(JSON.stringify(config));

    // The race's items are the log's: each one's category and median price, counted again here.
    const { catalog } = labShop(config);
    expect(catalog.size).toBe(log.itemIds.length);
    const prices = new Map<number, number[]>();
    const cats = new Map<number, Map<number, number>>();
    for (let r = 0; r < log.item.length; r++) {
      const i = log.item[r]!;
      if (log.price[r]! > 0) (prices.get(i) ?? prices.set(i, []).get(i)!).push(log.price[r]!);
      const m = cats.get(i) ?? cats.set(i, new Map()).get(i)!;
      m.set(log.category[r]!, (m.get(log.category[r]!) ?? 0) + 1);
    }
    for (let i = 0; i < catalog.size; i++) {
      const p = prices.get(i)!.sort((a, b) => a - b);
      const mid = p.length % 2 ? p[p.length >> 1]! : (p[p.length / 2 - 1]! + p[p.length / 2]!) / 2;
      expect(catalog.price[i]).toBeCloseTo(mid, 3);
      const counts = [...cats.get(i)!].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      expect(catalog.category[i]).toBe(counts[0]![0]);
    }

    // It races: CF from the log, the log's bestsellers, Q-learning and random on the log's items.
    const r = await runRace(config, 100, 50);
    expect(r.curves.map((c) => c.label)).toEqual(['cf', 'popularity', 'qlearning', 'random']);
    for (const c of r.curves) expect(c.reward.at(-1)!.y).toBeGreaterThan(0);
  }, 120_000);

  it('trains on a log with too few items to race, and offers no race', async () => {
    const rows = ['user_id,item_id,event,timestamp'];
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 5; i++)
        rows.push(`u${u},item${i},${(u + i) % 3 ? 'view' : 'click'},${1_700_000_000 + u * 10 + i}`);
    const own = { name: 'tiny.csv', log: await parseInteractionLog(rows.join('\n')) };
    const source = await readLogSource(
      { source: 'own', sessions: 500, seed: 1 },
      sampleLogText,
      own,
    );
    expect(source.race).toBeNull();
    const snap = await trainLogModel(
      { model: 'cf', source: 'own', sessions: 500, epochs: 1, seed: 1 },
      own,
    );
    expect(snap.epochs).toHaveLength(1);
    expect(snap.prior).toBeNull();
    await expect(
      readLogSource({ source: 'own', sessions: 500, seed: 1 }, sampleLogText, null),
    ).rejects.toThrow(/read and accept one under Shoppers/);
  }, 60_000);
});
