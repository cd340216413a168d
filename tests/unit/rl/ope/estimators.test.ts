/**
 * Off-policy estimators against problems small enough to enumerate: every
 * context, item and reward the logging policy can produce, weighted by its
 * probability, gives each estimator's exact expectation for one logged row.
 * IPS and DR are unbiased (DR with any reward model, collaborative
 * filtering's included); with the exact reward model DR's correction has
 * expectation zero; the direct method carries its model's bias. SNIPS is
 * unchanged when every weight is scaled; a target that shows what the log
 * never could is refused; on sampled logs the intervals cover the truth.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../../../src/core/random';
import { CfModel } from '../../../../src/core/rl/models/cf-model';
import {
  offPolicyEstimates,
  OpeInputError,
  OverlapError,
  type EstimatorName,
  type LoggedDecisions,
  type Policy,
} from '../../../../src/core/rl/ope/estimators';
import { cfRewardModel, type RewardModel } from '../../../../src/core/rl/ope/reward-model';
import { useWorkerWasm } from '../../helpers/kernel-checks';

beforeAll(useWorkerWasm);

/** A problem: contexts drawn uniformly, each item's true click probability, two policies. */
interface Problem {
  contexts: number;
  items: number;
  click: number[][];
  logging: Policy;
  target: Policy;
}

const table = (rows: number[][]): Policy => ({
  numActions: rows[0]!.length,
  probabilities: (x) => rows[x]!,
});

function problem(rng: Random, contexts: number, items: number): Problem {
  const normal = (): number[] => {
    const e = Array.from({ length: items }, () => Math.exp(rng.normal()));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  return {
    contexts,
    items,
    click: Array.from({ length: contexts }, () =>
      Array.from({ length: items }, () => 0.05 + 0.6 * rng.next()),
    ),
    logging: table(Array.from({ length: contexts }, normal)),
    target: table(Array.from({ length: contexts }, normal)),
  };
}

const truth = (p: Problem) =>
  p.click.reduce(
    (v, row, x) =>
      v + row.reduce((s, c, a) => s + p.target.probabilities(x)[a]! * c, 0) / p.contexts,
    0,
  );

const oneRow = (x: number, a: number, r: number, mu: number): LoggedDecisions => ({
  context: Int32Array.of(x),
  action: Int32Array.of(a),
  reward: Float64Array.of(r),
  propensity: Float64Array.of(mu),
  group: Int32Array.of(x),
});

/** Each estimator's exact expectation over one logged row. */
function expectation(p: Problem, names: EstimatorName[], model?: RewardModel) {
  const out = Object.fromEntries(names.map((e) => [e, 0])) as Record<EstimatorName, number>;
  for (let x = 0; x < p.contexts; x++)
    for (let a = 0; a < p.items; a++)
      for (const r of [0, 1]) {
        const mu = p.logging.probabilities(x)[a]!;
        const c = p.click[x]![a]!;
        const prob = (1 / p.contexts) * mu * (r ? c : 1 - c);
        const est = offPolicyEstimates(oneRow(x, a, r, mu), p.target, names, {
          ...(model && { model }),
          logging: p.logging, // one row shows one item: overlap is judged by the policy itself
          resamples: 1,
        });
        for (const e of est) out[e.estimator] += prob * e.value;
      }
  return out;
}

/** A log of `n` rows drawn from the problem, 5 rows per shopper; shopper s sees context s % contexts. */
function sample(p: Problem, n: number, rng: Random): LoggedDecisions {
  const log: LoggedDecisions = {
    context: new Int32Array(n),
    action: new Int32Array(n),
    reward: new Float64Array(n),
    propensity: new Float64Array(n),
    group: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const shopper = Math.floor(i / 5);
    const x = (shopper * 7919) % p.contexts;
    const mu = p.logging.probabilities(x);
    let u = rng.next();
    let a = 0;
    while (a < p.items - 1 && u >= mu[a]!) u -= mu[a++]!;
    log.context[i] = x;
    log.action[i] = a;
    log.reward[i] = rng.next() < p.click[x]![a]! ? 1 : 0;
    log.propensity[i] = mu[a]!;
    log.group[i] = shopper;
  }
  return log;
}

const exact = (p: Problem): RewardModel => ({ name: 'truth', predict: (x, a) => p.click[x]![a]! });
const wrong: RewardModel = { name: 'a constant', predict: () => 0.3 };

/** CF trained on a sampled log of the problem, a context its shopper: the source's reward model. */
async function trainedCf(p: Problem, rng: Random): Promise<RewardModel> {
  const log = sample(p, 20_000, rng);
  const cf = new CfModel(
    {
      users: p.contexts,
      items: p.items,
      dim: 4,
      learningRate: 0.05,
      l2: 0.01,
      batchSize: 256,
      baseRate: 0.35,
    },
    rng,
  );
  const pairs = {
    user: log.context,
    item: log.action,
    label: Float32Array.from(log.reward),
    size: log.context.length,
  };
  for (let epoch = 0; epoch < 8; epoch++)
    for (let from = 0; from < pairs.size; from += 256) {
      const rows = Int32Array.from(
        { length: Math.min(256, pairs.size - from) },
        (_, j) => from + j,
      );
      cf.trainBatch(pairs, rows).dispose();
    }
  const tables = await cf.tables();
  cf.dispose();
  return cfRewardModel(tables);
}

describe('off-policy estimators on problems enumerated exactly', () => {
  const p = problem(createRandom(11), 4, 3);
  const V = truth(p);

  it('IPS and DR are unbiased, DR whatever its reward model; DM carries its model’s bias', () => {
    const withWrong = expectation(p, ['ips', 'dr', 'dm', 'snips'], wrong);
    expect(withWrong.ips).toBeCloseTo(V, 12);
    expect(withWrong.dr).toBeCloseTo(V, 12);
    // The direct method with a constant model says the constant.
    expect(withWrong.dm).toBeCloseTo(0.3, 12);
    expect(Math.abs(withWrong.dm - V)).toBeGreaterThan(0.01);
    // With one row SNIPS is the row's reward: the logging policy's value, not the target's.
    const logged = p.click.reduce(
      (v, row, x) => v + row.reduce((s, c, a) => s + p.logging.probabilities(x)[a]! * c, 0) / 4,
      0,
    );
    expect(withWrong.snips).toBeCloseTo(logged, 12);
  });

  it('with the exact reward model, DM is the truth and DR’s correction has expectation zero', () => {
    const e = expectation(p, ['dm', 'dr'], exact(p));
    expect(e.dm).toBeCloseTo(V, 12);
    expect(e.dr - e.dm).toBeCloseTo(0, 12);
  });

  it('collaborative filtering trained on the log serves as the reward model: DR stays unbiased', async () => {
    const cf = await trainedCf(p, createRandom(5));
    const e = expectation(p, ['dm', 'dr'], cf);
    console.log(
      `truth ${V.toFixed(4)}; with CF as the reward model, E[DM] ${e.dm.toFixed(4)}, E[DR] ${e.dr.toFixed(4)}`,
    );
    expect(e.dr).toBeCloseTo(V, 12);
    // CF learned something of the clicks: its direct method is nearer the truth than a
    // constant's, though not on it (DM is only as good as its model).
    const constant = expectation(p, ['dm'], wrong).dm;
    expect(Math.abs(e.dm - V)).toBeLessThan(Math.abs(constant - V) / 1.5);
    expect(e.dm).not.toBeCloseTo(V, 6);
    // A shopper CF never saw gets each item's mean over the shoppers it knows.
    expect(cf.predict(-1, 0)).toBeGreaterThan(0);
  });

  it('cross-fitted, no row is judged by a reward model that saw its shopper', () => {
    // Every shopper is a context of their own, and a fitted model says 1 for shoppers it saw.
    const log = sample(p, 1_000, createRandom(6));
    const own = { ...log, context: log.group.slice() };
    const everyone: Policy = { numActions: 3, probabilities: () => [0.2, 0.3, 0.5] };
    const sawWho = (train: LoggedDecisions): RewardModel => {
      const seen = new Set(train.group);
      return { name: 'saw', predict: (x) => (seen.has(x) ? 1 : 0) };
    };
    const [dm] = offPolicyEstimates(own, everyone, ['dm'], {
      fitModel: sawWho,
      resamples: 1,
    });
    expect(dm!.value).toBe(0);
    // Fitted on the whole log instead, it saw everyone.
    const [whole] = offPolicyEstimates(own, everyone, ['dm'], {
      model: sawWho(own),
      resamples: 1,
    });
    expect(whole!.value).toBe(1);
  });

  it('SNIPS is unchanged when every weight is scaled; IPS scales with them', () => {
    const log = sample(p, 2_000, createRandom(3));
    const halved = { ...log, propensity: log.propensity.map((m) => m / 2) };
    const [ips, snips] = offPolicyEstimates(log, p.target, ['ips', 'snips'], { resamples: 20 });
    const [ips2, snips2] = offPolicyEstimates(halved, p.target, ['ips', 'snips'], {
      resamples: 20,
    });
    expect(snips2!.value).toBeCloseTo(snips!.value, 12);
    expect(ips2!.value).toBeCloseTo(2 * ips!.value, 12);
    expect(snips2!.ess).toBeCloseTo(snips!.ess, 9); // ESS is a ratio of the weights too
  });

  it('judges a policy given per logged decision exactly as the same policy given per context', () => {
    const log = sample(p, 400, createRandom(9));
    // Keyed by shopper (five rows each, one context), as a file of decision,item,probability keys rows.
    const rowKey = Int32Array.from(log.context, (_, i) => Math.floor(i / 5));
    const byDecision: Policy = {
      numActions: p.items,
      rowKey,
      probabilities: (d) => p.target.probabilities(log.context[5 * d]!),
    };
    const o = { model: exact(p), resamples: 50 };
    const all = ['dm', 'ips', 'snips', 'dr', 'dr-clipped'] as const;
    const perContext = offPolicyEstimates(log, p.target, all, o);
    const perDecision = offPolicyEstimates(log, byDecision, all, o);
    perDecision.forEach((e, k) => expect(e).toEqual(perContext[k]));
    expect(() =>
      offPolicyEstimates(log, { ...byDecision, rowKey: rowKey.subarray(1) }, ['ips']),
    ).toThrow(/given for 399 rows, and the log has 400/);
  });

  it('refuses a target that shows what the log never could, saying which item', () => {
    const log = sample(p, 500, createRandom(4));
    const only01 = { ...log };
    const keep = Array.from(log.action, (a, i) => (a !== 2 ? i : -1)).filter((i) => i >= 0);
    for (const k of ['context', 'action', 'group'] as const)
      only01[k] = Int32Array.from(keep, (i) => log[k][i]!);
    for (const k of ['reward', 'propensity'] as const)
      only01[k] = Float64Array.from(keep, (i) => log[k][i]!);
    expect(() => offPolicyEstimates(only01, p.target, ['ips'])).toThrow(OverlapError);
    expect(() => offPolicyEstimates(only01, p.target, ['ips'])).toThrow(
      /of its choices to 1 item not shown in the log \(item 2\)/,
    );
    const named = { itemName: (a: number) => `sku-${a + 1}` };
    expect(() => offPolicyEstimates(only01, p.target, ['ips'], named)).toThrow(/\(sku-3\)/);
    // A target that gives such an item a sliver of its choices is estimated, the sliver reported.
    const sliver = table(
      [0, 1, 2, 3].map((x) => {
        const q = p.target.probabilities(x);
        return [q[0]! / (q[0]! + q[1]!) - 0.001, q[1]! / (q[0]! + q[1]!), 0.001];
      }),
    );
    const [est] = offPolicyEstimates(only01, sliver, ['ips'], { resamples: 20 });
    expect(est!.unseen).toBeCloseTo(0.001, 12);
    // With the logging policy known, overlap is checked context by context.
    const noTwoInContext1 = table(
      [0, 1, 2, 3].map((x) => (x === 1 ? [0.5, 0.5, 0] : Array.from(p.logging.probabilities(x)))),
    );
    expect(() => offPolicyEstimates(log, p.target, ['ips'], { logging: noTwoInContext1 })).toThrow(
      /item 2 in context 1/,
    );
    // And what cannot be an estimate is refused, not computed.
    expect(() => offPolicyEstimates(log, p.target, ['dr'])).toThrow(OpeInputError);
    const bad = { ...log, propensity: log.propensity.map((m, i) => (i === 7 ? 0 : m)) };
    expect(() => offPolicyEstimates(bad, p.target, ['ips'])).toThrow(/row 8's propensity 0/);
  });
});

describe('off-policy estimators on sampled logs', () => {
  it('each 95% interval covers the truth about 95% of the time', () => {
    const p = problem(createRandom(21), 6, 4);
    const V = truth(p);
    const names: EstimatorName[] = ['ips', 'snips', 'dr', 'dr-clipped', 'dm'];
    const covered = Object.fromEntries(names.map((e) => [e, 0])) as Record<EstimatorName, number>;
    const logs = 100;
    const rng = createRandom(8);
    // A reward model a little off, so DR's correction has work to do.
    const model: RewardModel = { name: 'off', predict: (x, a) => 0.8 * p.click[x]![a]! + 0.05 };
    for (let k = 0; k < logs; k++) {
      const log = sample(p, 2_000, rng);
      for (const e of offPolicyEstimates(log, p.target, names, {
        model,
        resamples: 200,
        seed: k,
      })) {
        if (e.low <= V && V <= e.high) covered[e.estimator]++;
        expect(e.ess).toBeGreaterThan(0);
        expect(e.ess).toBeLessThanOrEqual(2_000);
      }
    }
    console.log(`95% intervals covering the truth, of ${logs} logs: ${JSON.stringify(covered)}`);
    // Binomial(100, 0.95): 88 or more in all but about 1 run in 500.
    for (const e of ['ips', 'snips', 'dr', 'dr-clipped'] as const)
      expect(covered[e], e).toBeGreaterThanOrEqual(88);
    // The direct method's interval is about its model, not the truth: it misses.
    expect(covered.dm).toBeLessThan(50);
  }, 120_000);
});
