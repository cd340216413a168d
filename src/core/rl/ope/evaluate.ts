/**
 * "Evaluate on a log": judges policies on a log, from the log alone, as the
 * page's worker and the command line both run it.
 *
 * The log's shoppers are split in time order: the first part teaches the
 * lab's agents (policies.ts), the rest is the log every policy is judged on,
 * so no agent is judged on the rows it learned from. Each policy gets every
 * estimator (estimators.ts) with the direct method's and DR's reward model
 * cross-fitted on the judged rows; the logging policy's own value (the plain
 * mean of the judged rewards) is the baseline. On a log the simulator wrote,
 * the truth is known too: what each policy would earn in expectation on the
 * judged shoppers, from the simulator's own click probabilities.
 */
import { csvText } from '../../data/csv';
import { AGENT_LABELS } from '../agents/names';
import { RACE_POLICY_SAMPLES } from '../lab/race-policies';
import { shopPreset } from '../sim/presets';
import {
  loggedValue,
  offPolicyEstimates,
  OpeInputError,
  OverlapError,
  UNSEEN_TOLERANCE,
} from './estimators';
import { decisionsOfLog, slatesOfLog, type LogSlates } from './from-log';
import { logRows, type LoggedDecisions, type Policy } from './logged';
import {
  pessimisticPolicy,
  pessimisticSlatePolicy,
  policyFromCsv,
  PolicyFileError,
  slotSupport,
  tablePolicy,
  trainedAgentPolicy,
  trainedAgentSlatePolicy,
} from './policies';
import {
  slateEstimates,
  SLATE_ESTIMATORS,
  type LoggedSlates,
  type SlateEstimatorName,
  type SlatePolicy,
} from './slates';
import { tableRewardModel } from './reward-model';
import {
  OPE_ESTIMATORS,
  opeRequestProblem,
  POOR_OVERLAP,
  type OpeEstimate,
  type OpeLogChoice,
  type OpePolicyChoice,
  type OpePolicyResult,
  type OpeReport,
  type OpeRequest,
} from './request';
import { opeScenario, segmentItemValues, simulatedBanditLog } from './simulated';

/** Shoppers the simulator's truth averages each segment's click probabilities over. */
const TRUTH_SHOPPERS = 20_000;

/** A log made ready to judge on. */
interface PreparedLog {
  name: string;
  decisions: LoggedDecisions;
  segments: string[];
  items: string[];
  decisionIds: string[];
  decisionOf: Int32Array;
  recorded: number;
  estimated: number;
  thinShare: number;
  /** The simulator's: its logging policy in full, per segment each item's true expected reward, and the example policy. */
  simulator: { logging: Policy; values: Float64Array[]; example: Policy } | null;
  /** A log of your own whose decisions show several items each, as slates. */
  slates: LogSlates | null;
}

function prepare(choice: OpeLogChoice, seed: number): PreparedLog {
  if (choice.source === 'own') {
    const d = decisionsOfLog(choice.log, choice.reward);
    const slates = slatesOfLog(d);
    const name = `your log “${choice.name}” (reward: a ${choice.reward})`;
    if (!slates) return { name, segments: d.contexts, ...d, simulator: null, slates: null };
    const K = slates.slates.slots;
    const left =
      slates.dropped > 0
        ? `; ${slates.dropped.toLocaleString('en')} decisions that show another number of items, or name their slots otherwise, are left out`
        : '';
    return {
      ...d,
      name: `${name}, as slates of ${K} items (slots 0 to ${K - 1})${left}`,
      segments: d.contexts,
      simulator: null,
      slates,
      recorded: slates.recorded,
      estimated: slates.estimated,
      thinShare: slates.thinShare,
    };
  }
  const scenario = opeScenario(choice.shop);
  const decisions = simulatedBanditLog(choice.shop, scenario.logging, choice.rows, choice.seed);
  const n = decisions.context.length;
  const items = scenario.logging.numActions;
  const shop = typeof choice.shop === 'string' ? choice.shop : choice.shop.shop;
  const where =
    typeof choice.shop === 'string'
      ? `its ${shop} shop`
      : `the race’s ${shop} shop (${items.toLocaleString('en')} items, catalog seed ${choice.shop.catalogSeed})`;
  return {
    name: `a log the simulator wrote: ${n.toLocaleString('en')} shoppers of ${where}, each shown one item by a softmax recommender (reward: a click)`,
    decisions,
    segments: shopPreset(shop).shoppers.segments.map((s) => s.name),
    items: Array.from({ length: items }, (_, a) => `sku-${a + 1}`),
    decisionIds: Array.from({ length: n }, (_, i) => String(i + 1)),
    decisionOf: Int32Array.from({ length: n }, (_, i) => i),
    slates: null,
    recorded: n,
    estimated: 0,
    thinShare: 0,
    simulator: {
      logging: scenario.logging,
      values: segmentItemValues(choice.shop, TRUTH_SHOPPERS, seed + 7_919),
      example: scenario.close,
    },
  };
}

/** The first `share` of the log's shoppers, in the order they first appear, and the rest. */
export function splitByShopper(
  log: LoggedDecisions,
  share: number,
): { train: (i: number) => boolean; judged: (i: number) => boolean } {
  const order = new Map<number, number>();
  for (const g of log.group) if (!order.has(g)) order.set(g, order.size);
  const cut = Math.round(share * order.size);
  const train = (i: number) => order.get(log.group[i]!)! < cut;
  return { train, judged: (i) => !train(i) };
}

/** A policy's name in the report. */
export function policyName(choice: OpePolicyChoice): string {
  switch (choice.kind) {
    case 'agent':
      return choice.label ?? AGENT_LABELS[choice.agent];
    case 'pessimistic':
      return 'best lower bound (pessimistic)';
    case 'file':
      return `your policy “${choice.name}”`;
    case 'example':
      return 'the example team policy';
    case 'race':
      return `race: ${choice.label}`;
  }
}

/** A race's agent as a policy of this log, checked against the log's segments and items. */
function racePolicy(
  choice: Extract<OpePolicyChoice, { kind: 'race' }>,
  segments: readonly string[],
  items: number,
): Policy {
  const same =
    choice.segments.length === segments.length &&
    choice.segments.every((name, s) => name === segments[s]) &&
    choice.probabilities.length === segments.length &&
    choice.probabilities.every(
      (row) =>
        row.length === items &&
        row.every((v) => v >= 0) &&
        Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6,
    );
  if (!same)
    throw new OpeInputError(
      'it was measured in a shop other than this log’s (other segments or items)',
    );
  return tablePolicy(choice.probabilities);
}

/** What a race's agent learned that the log does not reward, in words. */
function raceWarnings(choice: OpePolicyChoice): string[] {
  if (choice.kind !== 'race') return [];
  const out: string[] = [];
  if (choice.reward.trim() !== 'clicked')
    out.push(
      `It learned to earn “${choice.reward}” in the race; this log rewards a click, so it is judged on what it was not trained for.`,
    );
  if (choice.slateSize > 1)
    out.push(
      `The race shows ${choice.slateSize} items a step; the log shows one, so this is the item it puts first.`,
    );
  return out;
}

/** A per-segment policy as the file a team would give: segment,item,probability. */
export function policyCsv(
  policy: Policy,
  segments: readonly string[],
  items: readonly string[],
): string {
  const rows: (string | number)[][] = [['segment', 'item', 'probability']];
  segments.forEach((name, s) => {
    const pi = policy.probabilities(s);
    for (let a = 0; a < items.length; a++)
      if (pi[a]! > 0) rows.push([name, items[a]!, Number(pi[a]!.toPrecision(6))]);
  });
  return csvText(rows);
}

/** What `policy` earns per decision in expectation on `rows`, by the simulator's values. */
function expectedValue(rows: LoggedDecisions, policy: Policy, values: Float64Array[]): number {
  let total = 0;
  for (let i = 0; i < rows.context.length; i++) {
    const x = rows.context[i]!;
    const pi = policy.probabilities(policy.rowKey ? policy.rowKey[i]! : x);
    const v = values[x]!;
    for (let a = 0; a < pi.length; a++) if (pi[a]! > 0) total += pi[a]! * v[a]!;
  }
  return total / rows.context.length;
}

function warningsOf(e: OpeEstimate): string[] {
  const out: string[] = [];
  const share = e.ess / e.rows;
  if (share < POOR_OVERLAP)
    out.push(
      `Poor overlap: the weights leave about ${Math.round(e.ess).toLocaleString('en')} effective rows of ${e.rows.toLocaleString('en')} (the largest weighs ${e.maxWeight.toFixed(1)}). A few heavy rows decide these estimates, and their intervals too: read them as rough.`,
    );
  if (e.unseen > 0)
    out.push(
      `${(100 * e.unseen).toFixed(2)}% of its choices go to items the log never shows: no estimator sees what they would earn.`,
    );
  return out;
}

function trustLine(p: PreparedLog): string | null {
  const slates = p.slates
    ? 'Judged as whole slates, each by its total clicks. Per-position IPS assumes a slot’s reward depends only on the item in it, not on what is shown above it; the pseudo-inverse estimator assumes a slate’s reward adds up over its slots and, as the log records no propensities of pairs, that the logging system filled its slots independently.'
    : null;
  if (p.estimated === 0) return slates;
  const where = p.slates ? 'its slot and segment' : 'its segment';
  const estimated = `${p.recorded === 0 ? 'The log records no propensities' : `${p.estimated.toLocaleString('en')} rows have no propensity`}: they are estimated as each item’s share of the shows in ${where}. That assumes the logging system chose by segment alone; ${(100 * p.thinShare).toFixed(0)}% of those rows rest on fewer than 10 shows of their item to their segment${p.slates ? ' in that slot' : ''}.`;
  return slates ? `${estimated} ${slates}` : estimated;
}

/** What a policy's row in the report needs, whichever kind of log judged it. */
type Judge = (choice: OpePolicyChoice, k: number) => Omit<OpePolicyResult, 'name' | 'error'>;

const SLATE_ESTIMATOR_LIST = Object.keys(SLATE_ESTIMATORS) as SlateEstimatorName[];

/**
 * Judges each requested policy on the log. `onProgress` hears how many of
 * the policies are done. Throws (with the reason) only for a log that cannot
 * be judged at all; a policy that cannot be judged gets its reason instead.
 * A log of your own whose decisions show several items each is judged as
 * slates (slates.ts): each policy's whole slate, by its slot marginals.
 */
export function evaluateOnLog(
  request: OpeRequest,
  onProgress: (done: number, total: number) => void = () => {},
): OpeReport {
  const problem = opeRequestProblem(request);
  if (problem) throw new OpeInputError(problem);
  const p = prepare(request.log, request.seed);
  const { train, judged } = splitByShopper(p.decisions, request.trainShare);
  const trainRows = logRows(p.decisions, train);
  const shape = { segments: p.segments.length, items: p.items.length };
  const o = {
    seed: request.seed,
    resamples: request.resamples ?? 500,
    itemName: (a: number) => `“${p.items[a]}”`,
    contextName: (x: number) => `segment “${p.segments[x]}”`,
    logName: request.trainShare > 0 ? 'the judged rows' : 'the log',
  };
  const fileError = (file: { unknownShare: number; unknownItems: string[] }) =>
    new OverlapError(
      `the policy gives ${(100 * file.unknownShare).toFixed(1)}% of its choices to items the log does not have (${file.unknownItems.join(', ')}): no estimate can see what they would earn`,
    );
  let exampleCsv: string | null = null;
  let judge: Judge;
  let baseline: OpeReport['logging'];
  let judgedCount: number;
  let trainCount = trainRows.context.length;
  let slots = 1;

  if (p.slates) {
    const { slates, firstRow } = p.slates;
    slots = slates.slots;
    const support = slotSupport(slates, shape.segments, shape.items);
    const rows = slateRows(slates, (i) => judged(firstRow[i]!));
    trainCount = firstRow.filter((j) => train(j)).length;
    judgedCount = rows.context.length;
    if (judgedCount === 0) throw new OpeInputError('no slates are left to judge on');
    baseline = { ...slateTotals(rows, o), truth: null };
    const policyOf = (choice: OpePolicyChoice, k: number): [SlatePolicy, number] => {
      switch (choice.kind) {
        case 'agent':
          return [
            trainedAgentSlatePolicy(
              choice.settings ?? choice.agent,
              trainRows,
              shape,
              o.seed + k,
              support,
            ),
            0,
          ];
        case 'pessimistic':
          return [pessimisticSlatePolicy(trainRows, shape, support), 0];
        case 'file': {
          const file = policyFromCsv(choice.text, {
            contexts: p.segments,
            items: p.items,
            context: rows.context,
            slots,
          });
          if (file.unknownShare > UNSEEN_TOLERANCE) throw fileError(file);
          return [file.slate!, file.unknownShare];
        }
        default:
          throw new OpeInputError('it is for the simulator’s logs only');
      }
    };
    judge = (choice, k) => {
      const [policy, outside] = policyOf(choice, k);
      const estimates = slateEstimates(rows, policy, SLATE_ESTIMATOR_LIST, o).map((e) => ({
        ...e,
        rows: e.slates,
        unseen: outside,
      }));
      return { estimates, truth: null, warnings: warningsOf(estimates[0]!) };
    };
  } else {
    const judgedRows = logRows(p.decisions, judged);
    judgedCount = judgedRows.context.length;
    if (judgedCount === 0) throw new OpeInputError('no rows are left to judge on');
    const judgedDecisions = p.decisionOf.filter((_, i) => judged(i));
    const sim = p.simulator;
    const options = {
      ...o,
      fitModel: (rows: LoggedDecisions) => tableRewardModel(rows, shape.segments, shape.items),
      ...(sim ? { logging: sim.logging } : {}),
    };
    baseline = {
      ...loggedValue(judgedRows, options),
      truth: sim ? expectedValue(judgedRows, sim.logging, sim.values) : null,
    };
    /** The policy, and the share of its choices on items the log does not have (a file's). */
    const policyOf = (choice: OpePolicyChoice, k: number): [Policy, number] => {
      if (choice.kind === 'agent')
        return [
          trainedAgentPolicy(choice.settings ?? choice.agent, trainRows, shape, o.seed + k),
          0,
        ];
      if (choice.kind === 'pessimistic') return [pessimisticPolicy(trainRows, shape), 0];
      if (choice.kind === 'race') return [racePolicy(choice, p.segments, shape.items), 0];
      let text: string;
      if (choice.kind === 'file') text = choice.text;
      else if (sim) text = exampleCsv = policyCsv(sim.example, p.segments, p.items);
      else throw new PolicyFileError('the example policy is for the simulator’s log only');
      const file = policyFromCsv(text, {
        contexts: p.segments,
        items: p.items,
        context: judgedRows.context,
        decisionIds: p.decisionIds,
        decisionOf: judgedDecisions,
      });
      if (file.unknownShare > UNSEEN_TOLERANCE) throw fileError(file);
      return [file.policy, file.unknownShare];
    };
    judge = (choice, k) => {
      const [policy, outside] = policyOf(choice, k);
      const estimates = offPolicyEstimates(judgedRows, policy, OPE_ESTIMATORS, options).map(
        (e) => ({ ...e, unseen: e.unseen + outside }),
      );
      return {
        estimates,
        truth: sim ? expectedValue(judgedRows, policy, sim.values) : null,
        warnings: [...raceWarnings(choice), ...warningsOf(estimates[0]!)],
      };
    };
  }

  const policies: OpePolicyResult[] = request.policies.map((choice, k) => {
    const name = policyName(choice);
    try {
      return { name, error: null, ...judge(choice, k) };
    } catch (err) {
      if (!(
        err instanceof OverlapError ||
        err instanceof PolicyFileError ||
        err instanceof OpeInputError
      ))
        throw err;
      return { name, estimates: [], error: err.message, truth: null, warnings: [] };
    } finally {
      onProgress(k + 1, request.policies.length);
    }
  });
  return {
    log: p.name,
    rows: p.decisions.context.length,
    trainRows: trainCount,
    judgedRows: judgedCount,
    slots,
    estimators: slots > 1 ? SLATE_ESTIMATOR_LIST : OPE_ESTIMATORS,
    segments: p.segments,
    items: shape.items,
    logging: baseline,
    propensities: { recorded: p.recorded, estimated: p.estimated, thinShare: p.thinShare },
    trust: trustLine(p),
    policies,
    exampleCsv,
    race: raceLine(request.policies),
  };
}

/** The slates `keep` says, as a log of their own. */
function slateRows(log: LoggedSlates, keep: (i: number) => boolean): LoggedSlates {
  const K = log.slots;
  const idx = Array.from({ length: log.context.length }, (_, i) => i).filter(keep);
  const slot = <T extends Int32Array | Float64Array>(col: T, make: (n: number) => T): T => {
    const out = make(idx.length * K);
    idx.forEach((i, j) => out.set(col.subarray(i * K, (i + 1) * K), j * K));
    return out;
  };
  return {
    slots: K,
    context: Int32Array.from(idx, (i) => log.context[i]!),
    group: Int32Array.from(idx, (i) => log.group[i]!),
    action: slot(log.action, (n) => new Int32Array(n)),
    reward: slot(log.reward, (n) => new Float64Array(n)),
    propensity: slot(log.propensity, (n) => new Float64Array(n)),
  };
}

/** The logging policy's value on slates: the mean of each slate's total reward. */
function slateTotals(log: LoggedSlates, o: { resamples: number; seed: number }) {
  const K = log.slots;
  const reward = Float64Array.from(log.context, (_, i) => {
    let total = 0;
    for (let k = 0; k < K; k++) total += log.reward[i * K + k]!;
    return total;
  });
  return loggedValue({ reward, group: log.group }, o);
}

function raceLine(choices: OpePolicyChoice[]): string | null {
  const race = choices.find((c) => c.kind === 'race');
  if (!race) return null;
  return `The race’s agents (“race: …”) as they were after ${race.decisions.toLocaleString('en')} decisions each, measured on a copy of the race, which went on: each one’s choice for ${RACE_POLICY_SAMPLES.toLocaleString('en')} new shoppers of every segment.`;
}
