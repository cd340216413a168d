/**
 * "Evaluate on a log", as the page's worker and the command line run it. A
 * log of your own, through its CSV, gives the estimates the simulator's own
 * rows give; a policy on items the log does not have is refused; no shopper
 * both teaches and is judged. (What the page's defaults show is checked
 * with the lesson that runs them: tests/unit/lessons/ope-claims.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { evaluateOnLog, policyCsv, splitByShopper } from '../../../../src/core/rl/ope/evaluate';
import { opeRequestProblem } from '../../../../src/core/rl/ope/request';
import {
  banditLogCsv,
  opeScenario,
  simulatedBanditLog,
} from '../../../../src/core/rl/ope/simulated';
import { shopPreset } from '../../../../src/core/rl/sim/presets';

describe('evaluate on a log', () => {
  it('on your own log: the estimates of its CSV equal the simulator’s rows’, and missing propensities are estimated and said so', async () => {
    const shop = 'fashion';
    const segments = shopPreset(shop).shoppers.segments.map((s) => s.name);
    const { logging, close } = opeScenario(shop);
    const sim = simulatedBanditLog(shop, logging, 10_000, 1);
    const file = policyCsv(
      close,
      segments,
      Array.from({ length: 400 }, (_, a) => `sku-${a + 1}`),
    );
    const request = (log: Awaited<ReturnType<typeof parseInteractionLog>>) => ({
      log: { source: 'own' as const, name: 'shop.csv', log, reward: 'click' as const },
      policies: [{ kind: 'file' as const, name: 'close.csv', text: file }],
      trainShare: 0,
      seed: 1,
      resamples: 100,
    });
    const own = evaluateOnLog(request(await parseInteractionLog(banditLogCsv(sim, segments))));
    expect(own.policies[0]!.error).toBeNull();
    const simulated = evaluateOnLog({
      ...request(await parseInteractionLog(banditLogCsv(sim, segments))),
      log: { source: 'simulated', shop, rows: 10_000, seed: 1 },
      policies: [{ kind: 'example' }],
    });
    expect(own.trust).toBeNull();
    expect(own.logging.value).toBeCloseTo(simulated.logging.value, 12);
    // The same policy by IPS and SNIPS, which read only the rows: equal to the last digits.
    for (const k of [0])
      for (const e of ['ips', 'snips']) {
        const a = own.policies[k]!.estimates.find((x) => x.estimator === e)!;
        const b = simulated.policies[k]!.estimates.find((x) => x.estimator === e)!;
        expect(a.value, `${own.policies[k]!.name} ${e}`).toBeCloseTo(b.value, 9);
      }
    expect(own.policies[0]!.truth).toBeNull();
    // Items the log never shows keep a sliver of the policy's choices, reported with its estimates.
    expect(own.policies[0]!.estimates[0]!.unseen).toBeGreaterThan(0);
    expect(own.policies[0]!.estimates[0]!.unseen).toBeLessThan(0.01);

    const bare = evaluateOnLog(
      request(await parseInteractionLog(banditLogCsv(sim, segments, { propensities: false }))),
    );
    expect(bare.propensities.estimated).toBe(10_000);
    expect(bare.trust).toMatch(/^The log records no propensities: they are estimated/);
    expect(bare.trust).toMatch(/assumes the logging system chose by segment alone/);
  }, 60_000);

  it('refuses a policy that mostly shows items the log does not have, and judges the rest', () => {
    const segments = shopPreset('fashion').shoppers.segments.map((s) => s.name);
    const ghostly = [
      'segment,item,probability',
      ...segments.flatMap((s) => [`${s},sku-1,0.5`, `${s},ghost,0.5`]),
    ].join('\n');
    const report = evaluateOnLog({
      log: { source: 'simulated', shop: 'fashion', rows: 1_000, seed: 2 },
      policies: [{ kind: 'file', name: 'ghost.csv', text: ghostly }, { kind: 'pessimistic' }],
      trainShare: 0.5,
      seed: 1,
      resamples: 50,
    });
    expect(report.policies[0]!.error).toBe(
      'the policy gives 50.0% of its choices to items the log does not have (ghost): no estimate can see what they would earn',
    );
    expect(report.policies[0]!.estimates).toEqual([]);
    expect(report.policies[1]!.error).toBeNull();
  });

  it('splits by shopper, so no shopper both teaches and is judged', () => {
    const group = Int32Array.of(5, 5, 2, 9, 2, 7);
    const log = {
      group,
      context: new Int32Array(6),
      action: new Int32Array(6),
      reward: new Float64Array(6),
      propensity: new Float64Array(6),
    };
    const { train, judged } = splitByShopper(log, 0.5);
    expect([0, 1, 2, 3, 4, 5].map(train)).toEqual([true, true, true, false, true, false]);
    expect([0, 1, 2, 3, 4, 5].map(judged)).toEqual([false, false, false, true, false, true]);
  });

  it('checks a request before any work', () => {
    const log = { source: 'simulated' as const, shop: 'fashion' as const, rows: 10_000, seed: 1 };
    const agents = [{ kind: 'agent' as const, agent: 'ucb' as const }];
    expect(opeRequestProblem({ log, policies: agents, trainShare: 0.5 })).toBeNull();
    expect(opeRequestProblem({ log, policies: [], trainShare: 0.5 })).toMatch(
      /at least one policy/,
    );
    expect(opeRequestProblem({ log, policies: agents, trainShare: 0.95 })).toMatch(/0% to 90%/);
    expect(
      opeRequestProblem({ log: { ...log, rows: 50 }, policies: agents, trainShare: 0 }),
    ).toMatch(/200 to 100,000 decisions/);
    expect(() => evaluateOnLog({ log, policies: [], trainShare: 0.5, seed: 1 })).toThrow(
      /at least one policy/,
    );
  });
});
