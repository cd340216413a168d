/**
 * The source's three recommender models, trained on a log the simulator
 * wrote, checked against the truth only the simulator knows: collaborative
 * filtering's item ranking against the true click probabilities (Spearman ≥
 * 0.8 at 10,000 sessions), the demand predictor's calibration against the
 * funnel's own purchase probabilities (ECE ≤ 0.02), and the two-headed
 * network's policy-gradient step against the REINFORCE estimator and its
 * expectation on a problem small enough to enumerate.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseInteractionLog,
  type InteractionLog,
} from '../../../../src/core/data/interaction-log';
import { createRandom } from '../../../../src/core/random';
import {
  logTrainer,
  trainEpochs,
  type LogModelName,
} from '../../../../src/core/rl/models/log-runs';
import { TWO_HEADED_DEFAULTS, TwoHeadedNet } from '../../../../src/core/rl/models/two-headed';
import {
  simulatedItemAction,
  simulatedLog,
  type SimulatedLog,
} from '../../../../src/core/rl/sim/simulated-log';
import type { Agent } from '../../../../src/core/rl/contract';
import { interact } from '../../../../src/core/rl/interact';
import { RandomAgent, PopularityAgent } from '../../../../src/core/rl/agents/bandits';
import { buildAgent } from '../../../../src/core/rl/agents/build';
import { agentSettings } from '../../../../src/core/rl/agents/settings';
import { CfAgent } from '../../../../src/core/rl/agents/cf-agent';
import { logPrior } from '../../../../src/core/rl/agents/log-prior';
import { shopPreset } from '../../../../src/core/rl/sim/presets';
import { ShopEnv } from '../../../../src/core/rl/sim/shop-env';
import { useWorkerWasm } from '../../helpers/kernel-checks';

const LOG_SEED = 1;
let sim: SimulatedLog;
let log: InteractionLog;
beforeAll(async () => {
  await useWorkerWasm();
  sim = simulatedLog({ shop: 'fashion', sessions: 10_000, seed: LOG_SEED });
  log = await parseInteractionLog(sim.csv);
}, 120_000);

const last = <T>(xs: T[]) => xs[xs.length - 1]!;

async function train(model: LogModelName, seed: number, epochs: number, truth = true) {
  const trainer = logTrainer(model, log, { seed, ...(truth && { truth: sim.truth }) });
  const reports = await trainEpochs(trainer, epochs);
  trainer.dispose();
  return reports;
}

describe('collaborative filtering on a simulated log of 10,000 sessions', () => {
  it('recovers the ranking of the items’ true click probabilities, and ranks held-out clicks above chance', async () => {
    const reports = await train('cf', 5, 3);
    const m = last(reports).metrics;
    console.log(`CF: ${JSON.stringify(m)}`);
    expect(m['spearman']).toBeGreaterThanOrEqual(0.8);
    expect(m['auc']).toBeGreaterThan(0.6);
    // A random ranking puts the positive in the top 10 of 100 one time in ten.
    expect(m['hitRate']).toBeGreaterThan(0.15);
  });
});

describe('CF and the bestseller list, learned from the log, racing new shoppers in its shop', () => {
  it('CF leads random, cold ε-greedy and the cold bestseller list from the start; the log’s bestseller list beats the cold one', async () => {
    const trainer = logTrainer('cf', log, { seed: 5 });
    await trainEpochs(trainer, 3);
    const learned = await trainer.learned!();
    trainer.dispose();
    const config = shopPreset('fashion');
    const mapping = {
      numActions: config.catalog.items,
      segmentNames: config.shoppers.segments.map((s) => s.name),
      actionOf: simulatedItemAction,
    };
    const prior = logPrior(
      log,
      mapping,
      { source: 'simulated fashion log', shop: 'fashion', catalogSeed: LOG_SEED },
      learned,
    );
    const steps = 2_000;
    const early = 500;
    // New shoppers (other seeds than the log's) in the log's shop: the same catalog.
    const ctr: Record<string, { early: number[]; all: number[] }> = {};
    for (const seed of [11, 12, 13]) {
      const env = () => new ShopEnv(config, { seed, catalogSeed: LOG_SEED });
      const shape = env();
      const racers: [string, Agent][] = [
        ['random', new RandomAgent(shape, seed)],
        ['ε-greedy', buildAgent(agentSettings('egreedy'), shape, seed)],
        ['bestsellers, cold', new PopularityAgent(shape, seed)],
        ['bestsellers, from the log', new PopularityAgent(shape, seed, prior.purchases)],
        ['CF, from the log', new CfAgent(shape, seed, prior.cf!)],
      ];
      for (const [name, agent] of racers) {
        const { reward } = interact(env(), agent, steps);
        const c = (ctr[name] ??= { early: [], all: [] });
        c.early.push(reward[early - 1]! / early);
        c.all.push(reward[steps - 1]! / steps);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const at = (part: 'early' | 'all') =>
      Object.fromEntries(Object.entries(ctr).map(([k, v]) => [k, mean(v[part])])) as Record<
        string,
        number
      >;
    const first = at('early');
    const all = at('all');
    console.log(
      `race CTR, first ${early}: ${JSON.stringify(first)}; all ${steps}: ${JSON.stringify(all)}`,
    );
    // The head start: from the first shoppers on, CF shows what they click.
    expect(first['CF, from the log']).toBeGreaterThan(1.3 * first['random']!);
    expect(first['CF, from the log']).toBeGreaterThan(first['ε-greedy']!);
    expect(all['CF, from the log']).toBeGreaterThan(1.2 * all['random']!);
    expect(all['CF, from the log']).toBeGreaterThan(all['ε-greedy']!);
    // A bestseller list that starts empty keeps its first lucky items; one from the log does not.
    // Neither explores, and shown again and again its items tire their shoppers: on these seeds the
    // log's list clicks less than random (0.13 against 0.15), as in the log lesson's race.
    expect(all['bestsellers, from the log']).toBeGreaterThan(all['bestsellers, cold']!);
  });
});

describe('the demand predictor on the same log', () => {
  it('is calibrated against the funnel’s own purchase probabilities (ECE ≤ 0.02) and beats the base rate', async () => {
    const reports = await train('predictor', 3, 6);
    const m = last(reports).metrics;
    console.log(`predictor: ${JSON.stringify(m)}`);
    expect(m['eceTruth']).toBeLessThanOrEqual(0.02);
    expect(m['logLoss']).toBeLessThan(m['baseLogLoss']!);
    expect(m['auc']).toBeGreaterThan(0.65);
  });
});

describe('the two-headed network', () => {
  it('learns from the log which item a shopper clicks', async () => {
    const reports = await train('two-headed', 6, 4, false);
    const m = last(reports).metrics;
    console.log(`two-headed: ${JSON.stringify(m)}`);
    // Ten of 400 items at random: 0.025; ties (an untrained, flat softmax) count as misses.
    expect(m['hitRate']).toBeGreaterThan((10 / 400) * 1.5);
    expect(reports[0]!.loss).toBeGreaterThan(last(reports).loss);
  });
});

describe('the two-headed network’s policy-gradient step', () => {
  // One shopper state, three items with known rewards: small enough to enumerate every action.
  const state = Float32Array.from([0.4, -1.2]);
  const rewards = [1, 0, 0.5];
  const baseline = 0.3;
  const tiny = () =>
    new TwoHeadedNet(
      { inputs: 2, items: 3, ...TWO_HEADED_DEFAULTS, hidden: [4, 3], policyLearningRate: 0.05 },
      createRandom(9),
    );
  const values = (m: tf.NamedTensorMap) =>
    Object.fromEntries(Object.entries(m).map(([k, t]) => [k, t.dataSync() as Float32Array]));

  it('gives the REINFORCE estimator (r − b) ∇ log π(a|s) for one drawn item', () => {
    const net = tiny();
    const hidden = tf.model({
      inputs: net.model.inputs,
      outputs: net.model.getLayer('recommendation_dense2').output as tf.SymbolicTensor,
    });
    const s = tf.tensor2d(state, [1, 2]);
    const h = hidden.predict(s) as tf.Tensor;
    const hv = h.dataSync();
    const pi = (net.model.predict(s) as tf.Tensor[])[1]!.dataSync();
    for (let a = 0; a < 3; a++) {
      const { value, grads } = net.policyGradients(
        state,
        Int32Array.of(a),
        Float32Array.of(rewards[a]!),
        baseline,
      );
      const g = values(grads);
      const kernel = Object.keys(g).find(
        (k) => k.includes('recommendation_output') && k.includes('kernel'),
      )!;
      const bias = Object.keys(g).find(
        (k) => k.includes('recommendation_output') && k.includes('bias'),
      )!;
      // d log softmax(z)_a / dz = onehot(a) − π; the loss is −(r − b) log π(a|s).
      const advantage = rewards[a]! - baseline;
      const dz = [0, 1, 2].map((j) => -advantage * ((j === a ? 1 : 0) - pi[j]!));
      expect(Array.from(g[bias]!)).toEqual(dz.map((v) => expect.closeTo(v, 6)));
      expect(Array.from(g[kernel]!)).toEqual(
        Array.from({ length: 9 }, (_, k) => expect.closeTo(hv[Math.floor(k / 3)]! * dz[k % 3]!, 6)),
      );
      expect(value.dataSync()[0]).toBeCloseTo(-advantage * Math.log(pi[a]!), 6);
      // The action tower is not the policy: the step leaves it alone.
      expect(Object.keys(g).every((k) => k.includes('recommendation_'))).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([s, h]);
    net.dispose();
  });

  it('averages, over the items as π draws them, to the exact gradient of the expected reward, whatever the baseline', () => {
    const net = tiny();
    const s = tf.tensor2d(state, [1, 2]);
    const pi = (net.model.predict(s) as tf.Tensor[])[1]!.dataSync();
    // J(θ) = Σ_a π_θ(a|s) r(a); descending −J climbs it.
    const exact = tf.variableGrads(
      () => tf.neg(tf.sum(tf.mul((net.model.apply(s) as tf.Tensor[])[1]!, tf.tensor2d([rewards])))),
      net.policyVariables,
    );
    const want = values(exact.grads);
    for (const b of [0, baseline, 2]) {
      const expected: Record<string, Float64Array> = {};
      for (let a = 0; a < 3; a++) {
        const { value, grads } = net.policyGradients(
          state,
          Int32Array.of(a),
          Float32Array.of(rewards[a]!),
          b,
        );
        for (const [k, g] of Object.entries(values(grads))) {
          const acc = (expected[k] ??= new Float64Array(g.length));
          g.forEach((v, j) => (acc[j]! += pi[a]! * v));
        }
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(Object.keys(expected).sort()).toEqual(Object.keys(want).sort());
      for (const [k, g] of Object.entries(want))
        expect(Array.from(expected[k]!)).toEqual(Array.from(g, (v) => expect.closeTo(v, 5)));
    }
    tf.dispose([s, exact.value, ...Object.values(exact.grads)]);
    net.dispose();
  });

  it('moves the policy towards the item that pays, starting from the one it favours least', () => {
    const net = tiny();
    const rng = createRandom(10);
    const policy = () =>
      tf.tidy(() => (net.model.predict(tf.tensor2d(state, [1, 2])) as tf.Tensor[])[1]!.dataSync());
    const start = policy();
    const best = start.indexOf(Math.min(...start));
    const batch = 16;
    const states = new Float32Array(batch * 2);
    for (let j = 0; j < batch; j++) states.set(state, j * 2);
    for (let step = 0; step < 150; step++) {
      const pi = policy();
      const actions = Int32Array.from({ length: batch }, () => {
        let u = rng.next();
        for (let a = 0; a < 2; a++) if ((u -= pi[a]!) < 0) return a;
        return 2;
      });
      net.reinforce(
        states,
        actions,
        Float32Array.from(actions, (a) => (a === best ? 1 : 0)),
      );
    }
    console.log(
      `REINFORCE: π(best) ${start[best]!.toFixed(3)} → ${policy()[best]!.toFixed(3)}, baseline ${net.baseline!.toFixed(3)}`,
    );
    expect(start[best]).toBeLessThan(1 / 3);
    expect(policy()[best]).toBeGreaterThan(0.8);
    net.dispose();
  });
});
