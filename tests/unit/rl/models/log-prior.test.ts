/**
 * What a race takes from a log (agents/log-prior.ts), on a log small enough
 * to check by hand, and the CF agent's online step (agents/cf-agent.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { CfAgent } from '../../../../src/core/rl/agents/cf-agent';
import { logPrior, logPriorProblem, type CfPrior } from '../../../../src/core/rl/agents/log-prior';
import { PopularityAgent } from '../../../../src/core/rl/agents/bandits';
import type { CfTables } from '../../../../src/core/rl/models/cf-model';
import { simulatedItemAction } from '../../../../src/core/rl/sim/simulated-log';

// Users u1, u2 (segment "young"), u3 ("old"); items sku-2, sku-5 and "gift-card" (not for sale).
const CSV = `user_id,item_id,event,timestamp,price,category,segment
u1,sku-2,view,2026-01-05T09:00:00Z,10,cat-1,young
u1,sku-2,click,2026-01-05T09:00:01Z,10,cat-1,young
u1,sku-2,purchase,2026-01-05T09:00:02Z,10,cat-1,young
u2,sku-5,view,2026-01-05T09:01:00Z,20,cat-2,young
u2,sku-2,purchase,2026-01-05T09:01:02Z,10,cat-1,young
u3,gift-card,purchase,2026-01-05T09:02:00Z,5,cat-3,old
u3,sku-5,purchase,2026-01-05T09:02:05Z,20,cat-2,old
`;

const ORIGIN = { source: 'hand-made', shop: 'fashion', catalogSeed: 1 };
const mapping = {
  numActions: 6,
  segmentNames: ['old', 'young', 'nobody'],
  actionOf: simulatedItemAction,
};

describe('the prior a race takes from a log', () => {
  it('counts each item’s purchases at its action, leaves out items the race does not sell, and maps CF’s tables to actions and segments', async () => {
    const log = await parseInteractionLog(CSV);
    // Items in first-seen order: sku-2, sku-5, gift-card; users u1, u2, u3; dim 2.
    expect(log.itemIds).toEqual(['sku-2', 'sku-5', 'gift-card']);
    expect(log.userIds).toEqual(['u1', 'u2', 'u3']);
    const tables: CfTables = {
      dim: 2,
      users: 3,
      items: 3,
      user: Float32Array.from([1, 2, 3, 4, 10, 20]),
      userBias: Float32Array.from([0.5, 1.5, -1]),
      item: Float32Array.from([0.1, 0.2, 0.3, 0.4, 9, 9]),
      itemBias: Float32Array.from([0.25, -0.5, 3]),
    };
    const prior = logPrior(log, mapping, ORIGIN, { cf: tables });
    expect(prior).toMatchObject({ ...ORIGIN, items: 6, purchases: [0, 2, 0, 0, 1, 0] });
    const cf = prior.cf!;
    // sku-2 is action 1, sku-5 action 4; the others get zeros and the lowest learned bias (-0.5,
    // the gift card's 3 does not count: the race cannot show it).
    expect(cf.item).toEqual([0, 0, 0.1, 0.2, 0, 0, 0, 0, 0.3, 0.4, 0, 0].map(Math.fround));
    expect(cf.itemBias).toEqual([-0.5, 0.25, -0.5, -0.5, -0.5, -0.5]);
    // old: u3 alone; young: the mean of u1 and u2; nobody: the mean of all three (of float32s).
    const means = [10, 20, 2, 3, 14 / 3, 26 / 3];
    cf.user.forEach((x, i) => expect(x).toBeCloseTo(means[i]!, 6));
    const biases = [-1, 1, 1 / 3];
    cf.userBias.forEach((x, i) => expect(x).toBeCloseTo(biases[i]!, 6));
    expect(logPriorProblem(prior, 6, 3)).toBeNull();
    expect(logPriorProblem(prior, 7, 3)).toMatch(/learned for 6 items; the race has 7/);
    expect(logPriorProblem(prior, 6, 2)).toMatch(/other segments/);
    expect(
      logPriorProblem({ ...prior, cf: { ...cf, user: [...cf.user.slice(1), NaN] } }, 6, 3),
    ).toMatch(/damaged/);
  });

  it('refuses tables trained on another log', async () => {
    const log = await parseInteractionLog(CSV);
    const tables: CfTables = {
      dim: 1,
      users: 2,
      items: 3,
      user: new Float32Array(2),
      userBias: new Float32Array(2),
      item: new Float32Array(3),
      itemBias: new Float32Array(3),
    };
    expect(() => logPrior(log, mapping, ORIGIN, { cf: tables })).toThrow(/not trained on this log/);
  });
});

describe('the racing agents a prior starts', () => {
  const shape = { numActions: 3, numStates: 1, contextSize: 0, numSegments: 2 };
  const observe = (segment: number) => ({ state: 0, context: null, segment });

  it('CF shows what its prior ranks first for the segment, then learns from outcomes away from a wrong prior', () => {
    // Segment 0 is told item 0 is best, segment 1 item 2; in truth only item 1 ever pays.
    const prior: CfPrior = {
      dim: 1,
      item: [1, 0, -1],
      itemBias: [0, 0, 0],
      user: [2, -2],
      userBias: [0, 0],
    };
    const greedy = {
      learningRate: 0.1,
      l2: 0,
      exploration: { kind: 'constant', epsilon: 0 },
    } as const;
    const agent = new CfAgent(shape, 1, prior, greedy);
    expect(agent.act(observe(0))).toBe(0);
    expect(agent.act(observe(1))).toBe(2);
    expect(Array.from(agent.rank(observe(0), 3))).toEqual([0, 1, 2]);
    const explorer = new CfAgent(shape, 1, prior, {
      ...greedy,
      exploration: { kind: 'constant', epsilon: 0.2 },
    });
    for (let i = 0; i < 3000; i++) {
      const o = observe(i % 2);
      const action = explorer.act(o);
      explorer.learn({
        observation: o,
        action,
        reward: action === 1 ? 1 : 0,
        next: o,
        done: false,
      });
    }
    let best = 0;
    for (let i = 0; i < 200; i++) best += Number(explorer.act(observe(i % 2)) === 1);
    expect(best / 200).toBeGreaterThan(0.75);
    // The prior it was given is untouched: a new agent starts from the log again.
    expect(prior.user).toEqual([2, -2]);
  });

  it('refuses a prior made for another problem', () => {
    const prior: CfPrior = {
      dim: 1,
      item: [0, 0, 0, 0],
      itemBias: [0, 0, 0, 0],
      user: [0, 0],
      userBias: [0, 0],
    };
    expect(() => new CfAgent(shape, 1, prior)).toThrow(/scores 4 items; this problem has 3/);
  });

  it('a bestseller list from the log starts with the log’s bestseller on top', () => {
    const agent = new PopularityAgent(shape, 1, [0, 5, 2]);
    expect(agent.act(observe(0))).toBe(1);
    expect(Array.from(agent.rank(observe(0), 3))).toEqual([1, 2, 0]);
    expect(() => new PopularityAgent(shape, 1, [1, 2])).toThrow(/2 items; this problem has 3/);
  });
});
