/**
 * Logs with propensities from the shop simulator: every row records the
 * probability the logging policy gave its item, the items come at those
 * rates, and the truth (each target's expected clicks online, on the same
 * population) is what the log's own average says for the logging policy.
 * On 10,000 rows the estimators come within 10% of the truth for the close
 * target, which is the bar the bench measures over hundreds of logs.
 */
import { describe, expect, it } from 'vitest';
import { offPolicyEstimates } from '../../../../src/core/rl/ope/estimators';
import { tableRewardModel } from '../../../../src/core/rl/ope/reward-model';
import {
  onlineValue,
  opeScenario,
  simulatedBanditLog,
} from '../../../../src/core/rl/ope/simulated';

const scenario = opeScenario('fashion');

describe('logs the simulator writes with propensities', () => {
  it('record the logging policy’s probabilities, and draw items at those rates', () => {
    const log = simulatedBanditLog('fashion', scenario.logging, 40_000, 3);
    const counts = new Map<string, number>();
    const perSegment = new Float64Array(3);
    log.context.forEach((x, i) => {
      const a = log.action[i]!;
      expect(log.propensity[i]).toBe(scenario.logging.probabilities(x)[a]);
      counts.set(`${x}:${a}`, (counts.get(`${x}:${a}`) ?? 0) + 1);
      perSegment[x]!++;
    });
    expect(new Set(log.group).size).toBe(40_000); // one decision per shopper
    // Total variation between the drawn and the stated distribution, per segment.
    for (let x = 0; x < 3; x++) {
      const mu = scenario.logging.probabilities(x);
      let tv = 0;
      for (let a = 0; a < mu.length; a++)
        tv += Math.abs((counts.get(`${x}:${a}`) ?? 0) / perSegment[x]! - mu[a]!) / 2;
      expect(tv, `segment ${x}`).toBeLessThan(0.1);
    }
  });

  it('give the logging policy the value the log’s average reward says', () => {
    const log = simulatedBanditLog('fashion', scenario.logging, 40_000, 4);
    const mean = log.reward.reduce((a, b) => a + b, 0) / log.reward.length;
    const se = Math.sqrt((mean * (1 - mean)) / log.reward.length);
    const truth = onlineValue('fashion', scenario.logging, 20_000, 5);
    expect(Math.abs(mean - truth)).toBeLessThan(4 * (se + 0.003));
    // The targets were built to be better than what was logged.
    expect(onlineValue('fashion', scenario.close, 20_000, 5)).toBeGreaterThan(truth);
  });

  it('on 10,000 rows, IPS, SNIPS and DR land within 10% of the close target’s truth', () => {
    const truth = onlineValue('fashion', scenario.close, 50_000, 7);
    const errors: Record<string, number[]> = { ips: [], snips: [], dr: [], dm: [] };
    let essShare = 0;
    for (let seed = 1; seed <= 15; seed++) {
      const log = simulatedBanditLog('fashion', scenario.logging, 10_000, 100 + seed);
      for (const e of offPolicyEstimates(log, scenario.close, ['ips', 'snips', 'dr', 'dm'], {
        fitModel: (train) => tableRewardModel(train, 3, scenario.logging.numActions),
        logging: scenario.logging,
        resamples: 20,
      })) {
        errors[e.estimator]!.push(Math.abs(e.value / truth - 1));
        essShare = e.ess / e.rows;
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(
      `close target, 10,000 rows, 15 logs: median relative error ${Object.entries(errors)
        .map(([k, v]) => `${k} ${(100 * median(v)).toFixed(1)}%`)
        .join(', ')}; ESS/n ${essShare.toFixed(2)}`,
    );
    for (const e of ['ips', 'snips', 'dr'] as const)
      expect(median(errors[e]!), e).toBeLessThan(0.1);
    expect(essShare).toBeGreaterThanOrEqual(0.5);
    // The distant target rests on far fewer rows.
    const log = simulatedBanditLog('fashion', scenario.logging, 10_000, 99);
    const [far] = offPolicyEstimates(log, scenario.distant, ['ips'], { resamples: 1 });
    expect(far!.ess / far!.rows).toBeLessThan(0.5);
  }, 120_000);
});
