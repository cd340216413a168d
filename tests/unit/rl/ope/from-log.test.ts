/**
 * A log of your own as decisions to judge policies on: each shown item a
 * decision in its shopper's segment, its reward the click (or purchase) on
 * it within that decision, its propensity the log's or, where the log has
 * none, estimated from how often the segment was shown the item, with how
 * thin that estimate is. Through a CSV the simulator's log gives the same
 * estimates as the log itself.
 */
import { describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { offPolicyEstimates, type Policy } from '../../../../src/core/rl/ope/estimators';
import { decisionsOfLog, LogDecisionsError, THIN_CELL } from '../../../../src/core/rl/ope/from-log';
import {
  banditLogCsv,
  opeScenario,
  simulatedBanditLog,
} from '../../../../src/core/rl/ope/simulated';
import { shopPreset } from '../../../../src/core/rl/sim/presets';
import { simulatedItemAction } from '../../../../src/core/rl/sim/simulated-log';

describe('a log of your own as decisions', () => {
  it('takes each shown item, its segment, the click within its decision and its propensity', async () => {
    const csv = [
      'user_id,item_id,event,decision,position,propensity,segment',
      'u1,A,view,d1,0,0.5,new',
      'u1,B,view,d1,1,0.25,new',
      'u1,B,click,d1,,,new', // tied to its decision
      'u1,A,view,d2,0,,new', // no propensity: estimated
      'u1,A,click,,,,new', // untied: credited to d2, the decision before it
      'u2,C,view,d3,0,,loyal',
      'u2,C,purchase,d3,,,loyal',
      'u2,C,view,d4,0,,loyal',
      'u2,C,click,d3,,,loyal', // d3's click, not d4's
    ].join('\n');
    const log = await parseInteractionLog(csv);
    const d = decisionsOfLog(log);
    expect(d.contexts).toEqual(['new', 'loyal']);
    expect(Array.from(d.decisions.action).map((a) => log.itemIds[a])).toEqual([
      'A',
      'B',
      'A',
      'C',
      'C',
    ]);
    expect(Array.from(d.decisions.context)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(d.decisions.reward)).toEqual([0, 1, 1, 1, 0]);
    expect(Array.from(decisionsOfLog(log, 'purchase').decisions.reward)).toEqual([0, 0, 0, 1, 0]);
    // Segment "new" was shown A twice and B once; "loyal" only C.
    expect(Array.from(d.decisions.propensity)).toEqual([0.5, 0.25, 2 / 3, 1, 1]);
    expect([d.recorded, d.estimated]).toEqual([2, 3]);
    expect(d.thinShare).toBe(1); // every estimate rests on fewer than THIN_CELL shows
    expect(THIN_CELL).toBe(10);
    expect(Array.from(d.decisions.group)).toEqual([0, 0, 0, 1, 1]);

    await expect(
      (async () =>
        decisionsOfLog(await parseInteractionLog('user_id,item_id,event\nu,i,view\n')))(),
    ).rejects.toThrow(LogDecisionsError);
  });

  it('read from a CSV, the simulator’s log gives the estimates the log itself gives; without propensities, estimated ones come close', async () => {
    const shop = 'fashion';
    const { logging, close } = opeScenario(shop);
    const sim = simulatedBanditLog(shop, logging, 20_000, 12);
    const names = shopPreset(shop).shoppers.segments.map((s) => s.name);
    const csv = banditLogCsv(sim, names);
    const log = await parseInteractionLog(csv);
    // The target over the log's own item and segment numbering.
    const segmentOf = log.segmentNames.map((s) => names.indexOf(s));
    const itemOf = log.itemIds.map((id) => simulatedItemAction(id)!);
    const onLog: Policy = {
      numActions: log.itemIds.length,
      probabilities: (x) => {
        const pi = close.probabilities(segmentOf[x]!);
        return itemOf.map((a) => pi[a]!);
      },
    };
    const [direct] = offPolicyEstimates(sim, close, ['ips'], { resamples: 50 });
    const d = decisionsOfLog(log);
    expect(d.estimated).toBe(0);
    const [viaCsv] = offPolicyEstimates(d.decisions, onLog, ['ips'], { resamples: 50 });
    expect(viaCsv!.value).toBeCloseTo(direct!.value, 12);

    // The same log without its propensities: estimated per segment, which is how it logged.
    const bare = await parseInteractionLog(banditLogCsv(sim, names, { propensities: false }));
    const e = decisionsOfLog(bare);
    expect(e.estimated).toBe(20_000);
    // 1,200 segment-item cells for 20,000 rows: about a fifth of the estimates rest on under 10 shows.
    expect(e.thinShare).toBeGreaterThan(0.05);
    expect(e.thinShare).toBeLessThan(0.5);
    const [estimated] = offPolicyEstimates(e.decisions, onLog, ['snips'], { resamples: 50 });
    const [snips] = offPolicyEstimates(sim, close, ['snips'], { resamples: 50 });
    expect(Math.abs(estimated!.value / snips!.value - 1)).toBeLessThan(0.05);
  }, 60_000);
});
