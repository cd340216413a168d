/**
 * The off-policy estimators against the truth, on logs the simulator writes
 * (src/core/rl/ope/simulated.ts): for the close and the distant target,
 * frozen before any log is drawn, and logs of each size, every estimator's
 * median relative error and how often its 95% interval covers the truth.
 * Each log serves both targets; DM and DR use the per-context item means
 * fitted on that log, cross-fitted over 5 folds of shoppers. Run by ope.mjs.
 */
import {
  ESTIMATORS,
  offPolicyEstimates,
  type EstimatorName,
} from '../../src/core/rl/ope/estimators';
import { tableRewardModel } from '../../src/core/rl/ope/reward-model';
import { onlineValue, opeScenario, simulatedBanditLog } from '../../src/core/rl/ope/simulated';

export interface OpeRow {
  target: 'close' | 'distant';
  rows: number;
  logs: number;
  truth: number;
  estimator: EstimatorName;
  label: string;
  medianError: number;
  coverage: number;
  medianEssShare: number;
  medianMaxWeight: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function runOpeBench(
  sizes: number[],
  logs: number,
  truthShoppers: number,
  onProgress: (text: string) => void,
): OpeRow[] {
  const shop = 'fashion';
  const scenario = opeScenario(shop);
  const targets = { close: scenario.close, distant: scenario.distant } as const;
  const truth = {
    close: onlineValue(shop, targets.close, truthShoppers, 7),
    distant: onlineValue(shop, targets.distant, truthShoppers, 7),
  };
  const names = Object.keys(ESTIMATORS) as EstimatorName[];
  const out: OpeRow[] = [];
  for (const rows of sizes) {
    const seen: Record<string, { err: number[]; covered: number; ess: number[]; maxW: number[] }> =
      {};
    for (let k = 0; k < logs; k++) {
      const log = simulatedBanditLog(shop, scenario.logging, rows, 1_000 * rows + k);
      for (const t of ['close', 'distant'] as const)
        for (const e of offPolicyEstimates(log, targets[t], names, {
          fitModel: (train) => tableRewardModel(train, 3, scenario.logging.numActions),
          logging: scenario.logging,
          resamples: 200,
          seed: k,
        })) {
          const s = (seen[`${t}/${e.estimator}`] ??= { err: [], covered: 0, ess: [], maxW: [] });
          s.err.push(Math.abs(e.value / truth[t] - 1));
          if (e.low <= truth[t] && truth[t] <= e.high) s.covered++;
          s.ess.push(e.ess / e.rows);
          s.maxW.push(e.maxWeight);
        }
      if ((k + 1) % 50 === 0)
        onProgress(`${rows.toLocaleString('en')} rows: ${k + 1} of ${logs} logs`);
    }
    for (const t of ['close', 'distant'] as const)
      for (const estimator of names) {
        const s = seen[`${t}/${estimator}`]!;
        out.push({
          target: t,
          rows,
          logs,
          truth: truth[t],
          estimator,
          label: ESTIMATORS[estimator],
          medianError: median(s.err),
          coverage: s.covered / logs,
          medianEssShare: median(s.ess),
          medianMaxWeight: median(s.maxW),
        });
      }
  }
  return out;
}
