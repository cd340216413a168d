/**
 * The two-headed network as a racing agent, piece by piece: the session
 * facts it reads back from a race's context match what the shopper did;
 * the shopper columns it builds from them are the ones the log's examples
 * hold; it draws items in proportion to its softmax head; its updates are
 * the network's REINFORCE step; and a prior that does not fit the race is
 * refused, with the reason.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { EVENT_KINDS } from '../../../../src/core/data/log-events';
import { createRandom } from '../../../../src/core/random';
import {
  logPrior,
  logPriorProblem,
  type TwoHeadedPrior,
} from '../../../../src/core/rl/agents/log-prior';
import type { Observation } from '../../../../src/core/rl/contract';
import { TwoHeadedAgent } from '../../../../src/core/rl/agents/two-headed-agent';
import { RandomAgent } from '../../../../src/core/rl/agents/bandits';
import { defaultRecsysConfig, recsysConfigError } from '../../../../src/core/rl/lab/config';
import { agentSettings } from '../../../../src/core/rl/agents/settings';
import { TWO_HEADED_DEFAULTS, TwoHeadedNet } from '../../../../src/core/rl/models/two-headed';
import { shopperFeature, viewExamples } from '../../../../src/core/rl/models/view-examples';
import { sessionFacts } from '../../../../src/core/rl/sim/observe';
import { shopPreset } from '../../../../src/core/rl/sim/presets';
import { ShopEnv, type ShopInfo } from '../../../../src/core/rl/sim/shop-env';
import { simulatedItemAction, simulatedLog } from '../../../../src/core/rl/sim/simulated-log';
import { useCpu } from '../../helpers/setup-tf';

beforeAll(useCpu);

const shop = shopPreset('fashion');
const SEGMENTS = shop.shoppers.segments.map((s) => s.name);

describe('what the race tells of a session', () => {
  it('reads back the step, and whether the shopper clicked, carted or bought before', () => {
    const env = new ShopEnv(shop, { seed: 3 });
    const agent = new RandomAgent(env, 3);
    let o = env.reset();
    const seen = { step: 0, clicked: false, carted: false, bought: false, cartedLast: false };
    let checked = 0;
    let boughtSeen = 0;
    for (let t = 0; t < 20_000; t++) {
      const f = sessionFacts(o.context!, SEGMENTS.length, shop.shoppers.maxSessionLength);
      expect(f.step).toBe(seen.step);
      expect(f.clickedBefore).toBe(seen.clicked);
      expect(f.boughtBefore).toBe(seen.bought);
      // A cart is known when it was the last step's, or a purchase followed one.
      expect(f.cartedBefore).toBe(seen.cartedLast || seen.bought);
      if (f.cartedBefore) expect(seen.carted).toBe(true);
      checked++;
      if (seen.bought) boughtSeen++;
      const r = env.step(agent.act());
      const e = (r.info as ShopInfo).events;
      if (r.done) {
        o = env.reset();
        Object.assign(seen, {
          step: 0,
          clicked: false,
          carted: false,
          bought: false,
          cartedLast: false,
        });
        continue;
      }
      o = r.observation;
      seen.step++;
      seen.clicked ||= e.clicked >= 0;
      seen.carted ||= e.carted;
      seen.bought ||= e.purchased;
      seen.cartedLast = e.carted;
    }
    expect(checked).toBe(20_000);
    expect(boughtSeen).toBeGreaterThan(100);
  });

  it('gives the shopper columns the log’s examples hold, from the same facts', async () => {
    const log = await parseInteractionLog(
      simulatedLog({ shop: 'fashion', sessions: 300, seed: 2 }).csv,
    );
    const x = viewExamples(log);
    const D = x.names.length;
    const VIEW = EVENT_KINDS.indexOf('view');
    // The facts, counted again from the log's rows of each shopper, in time order.
    const rows = Array.from(log.user.keys()).sort(
      (a, b) => log.user[a]! - log.user[b]! || log.time[a]! - log.time[b]! || a - b,
    );
    let k = 0;
    let user = -1;
    const facts = {
      segment: null as string | null,
      views: 0,
      clicked: false,
      carted: false,
      bought: false,
    };
    for (const r of rows) {
      if (log.user[r] !== user) {
        user = log.user[r]!;
        Object.assign(facts, { views: 0, clicked: false, carted: false, bought: false });
        facts.segment = log.segmentNames[log.segment[r]!] ?? null;
      }
      const e = EVENT_KINDS[log.event[r]!];
      if (log.event[r] !== VIEW) {
        facts.clicked ||= e === 'click';
        facts.carted ||= e === 'cart';
        facts.bought ||= e === 'purchase';
        continue;
      }
      for (const c of x.shopperColumns)
        expect(x.values[k * D + c], `${x.names[c]} of example ${k}`).toBeCloseTo(
          shopperFeature(x.names[c]!, facts),
          6,
        );
      k++;
      facts.views++;
    }
    expect(k).toBe(x.size);
    expect(() => shopperFeature('price band', facts)).toThrow(/not a column that describes/);
  });
});

/** A prior from a small network over the fashion shop's first `items` items, its weights drawn from `seed`. */
async function smallPrior(items: number, seed = 1) {
  const features = [...SEGMENTS.map((s) => `segment: ${s}`), 'views so far', 'clicked before'];
  const net = new TwoHeadedNet(
    { inputs: features.length, items, ...TWO_HEADED_DEFAULTS, hidden: [8, 4] },
    createRandom(seed),
  );
  const weights = await net.weights();
  net.dispose();
  const csv = [
    'user_id,item_id,event,timestamp,segment',
    ...Array.from(
      { length: items },
      (_, i) => `u1,sku-${i + 1},view,${1_700_000_000 + i},${SEGMENTS[0]}`,
    ),
  ].join('\n');
  const log = await parseInteractionLog(csv);
  return logPrior(
    log,
    { numActions: shop.catalog.items, segmentNames: SEGMENTS, actionOf: simulatedItemAction },
    { source: 'a test log', shop: 'fashion', catalogSeed: 1 },
    { twoHeaded: { features, hidden: [8, 4], weights } },
    shop.shoppers.maxSessionLength,
  );
}

/** The network's inputs for a race observation (one item a slate), from the session facts the context holds. */
function featuresOf(th: TwoHeadedPrior, o: Observation): number[] {
  const f = sessionFacts(o.context!, SEGMENTS.length, th.maxSessionLength);
  return th.features.map((name) =>
    shopperFeature(name, {
      segment: SEGMENTS[o.segment!]!,
      views: f.step,
      clicked: f.clickedBefore,
      carted: f.cartedBefore,
      bought: f.boughtBefore,
    }),
  );
}

describe('the two-headed agent', () => {
  it('draws items in proportion to its softmax head, only among the items its network scores', async () => {
    const prior = await smallPrior(6);
    const th = prior.twoHeaded!;
    // The log's items in its order are sku-1..6: actions 0..5.
    expect(th.actions).toEqual([0, 1, 2, 3, 4, 5]);
    const env = new ShopEnv(shop, { seed: 5 });
    const agent = new TwoHeadedAgent(env, 9, th);
    await agent.sync();
    const o = env.reset();
    // π from the network itself, on the features the agent builds for this observation.
    const net = new TwoHeadedNet(
      { inputs: th.features.length, items: 6, ...TWO_HEADED_DEFAULTS, hidden: [8, 4] },
      createRandom(1),
    );
    net.setWeights(th.weights);
    const x = Float32Array.from(featuresOf(th, o));
    const { policy } = await net.predict(x, x.length, [0]);
    net.dispose();
    const n = 20_000;
    const counts = new Array<number>(6).fill(0);
    for (let t = 0; t < n; t++) counts[agent.act(o)]!++;
    counts.forEach((c, a) => {
      const p = policy[a]!;
      // Within 4 standard errors of n·π(a).
      expect(Math.abs(c - n * p), `item ${a}`).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)) + 1);
    });
    // A slate draws distinct items.
    const slate = agent.rank(o, 4);
    expect(new Set(slate).size).toBe(4);
    for (const a of slate) expect(a).toBeLessThan(6);
    agent.dispose();
  });

  it('learns by the network’s REINFORCE step: its updates equal TwoHeadedNet.reinforce on the same batch', async () => {
    const prior = await smallPrior(6, 4);
    const th = prior.twoHeaded!;
    const env = new ShopEnv(shop, { seed: 6 });
    const agent = new TwoHeadedAgent(env, 2, th, { learningRate: 0.01, batch: 3 });
    const twin = new TwoHeadedNet(
      {
        inputs: th.features.length,
        items: 6,
        ...TWO_HEADED_DEFAULTS,
        hidden: [8, 4],
        batchSize: 3,
        policyLearningRate: 0.01,
      },
      createRandom(1),
    );
    twin.setWeights(th.weights);
    await agent.sync();
    const states: number[] = [];
    const actions: number[] = [];
    const rewards: number[] = [];
    let o = env.reset();
    for (let t = 0; t < 3; t++) {
      const a = agent.act(o);
      const r = env.step(a);
      agent.learn({
        observation: o,
        action: a,
        reward: t === 1 ? 1 : 0,
        next: r.observation,
        done: r.done,
      });
      states.push(...featuresOf(th, o));
      actions.push(a);
      rewards.push(t === 1 ? 1 : 0);
      o = r.done ? env.reset() : r.observation;
    }
    expect(agent.net.policySteps).toBe(1);
    twin.reinforce(Float32Array.from(states), Int32Array.from(actions), Float32Array.from(rewards));
    const [mine, theirs] = await Promise.all([agent.net.weights(), twin.weights()]);
    mine.forEach((w, i) => {
      expect(w.name).toBe(theirs[i]!.name);
      expect(Array.from(w.values)).toEqual(Array.from(theirs[i]!.values));
    });
    expect(agent.net.baseline).toBe(twin.baseline);
    twin.dispose();
    agent.dispose();
  });

  it('is refused, with the reason, without a network or with one that does not fit the race', async () => {
    const prior = await smallPrior(6);
    const config = {
      ...defaultRecsysConfig('fashion'),
      seed: 2,
      fromLog: prior,
      agents: [agentSettings('two-headed')],
    };
    expect(recsysConfigError(config)).toBeNull();
    expect(
      recsysConfigError({ ...config, fromLog: { ...prior, twoHeaded: null } })?.message,
    ).toMatch(/The two-headed network races only from a model trained on a log/);
    const th = prior.twoHeaded!;
    const items = shop.catalog.items;
    expect(
      logPriorProblem({ ...prior, twoHeaded: { ...th, actions: [0, 1, 2, 3, 4, -1] } }, items, 3),
    ).toMatch(/scores items the race does not sell/);
    const weights = th.weights.map((w, i) => (i === 0 ? { ...w, values: w.values.slice(1) } : w));
    expect(logPriorProblem({ ...prior, twoHeaded: { ...th, weights } }, items, 3)).toMatch(
      /weights do not fit/,
    );
    const renamed = th.weights.map((w, i) => (i === 0 ? { ...w, name: 'other/kernel' } : w));
    expect(logPriorProblem({ ...prior, twoHeaded: { ...th, weights: renamed } }, items, 3)).toMatch(
      /weights do not fit/,
    );
    const nan = th.weights.map((w, i) =>
      i === 1 ? { ...w, values: [NaN, ...w.values.slice(1)] } : w,
    );
    expect(logPriorProblem({ ...prior, twoHeaded: { ...th, weights: nan } }, items, 3)).toMatch(
      /damaged/,
    );
    expect(logPriorProblem({ ...prior, twoHeaded: { ...th, segments: ['x'] } }, items, 3)).toMatch(
      /other segments/,
    );
  });
});

afterAll(() => tf.disposeVariables());
