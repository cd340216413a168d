/**
 * The policies a log can judge: the lab's agents after learning from the
 * log's first part, and a team's own policy given as a file.
 *
 * An agent learns as it would in a race warm-started from the log: for
 * each logged decision of the first part, in order, it is asked to act
 * (its exploration schedule counts decisions, so it advances as in a race
 * of that length) and then learns from what the log shows: the item shown
 * and its reward. Its policy π(·|segment) is then measured, not assumed:
 * the share of `samples` decisions per segment that it makes for that
 * segment, asked round-robin across segments (so each sees the same
 * exploration rate). A deterministic agent gets its exact policy; ε-greedy
 * and Thompson a sampled one, whose value is within a few thousandths of
 * the agent's.
 *
 * A policy learned from the same rows with pessimism (each segment's item
 * with the best lower bound) shows what keeps a logged policy honest.
 *
 * A team's policy is a CSV of `segment,item,probability` (one distribution
 * per segment) or `decision,item,probability` (one per logged decision, as
 * Open Bandit Pipeline's action_dist is): every distribution must sum to 1,
 * every item and segment be the log's, and every judged decision be given.
 */
import Papa from 'papaparse';
import { toLf } from '../../data/csv';
import type { Observation } from '../contract';
import { buildPlainAgent, isPlainAgent } from '../agents/build-plain';
import type { AgentName } from '../agents/names';
import { agentSettings } from '../agents/settings';
import type { LoggedDecisions, Policy } from './logged';

/** Decisions per segment the agent is asked for, to measure its policy. */
export const POLICY_SAMPLES = 2_000;

/** The observation of a logged decision: its segment, as state, one-hot context and segment. */
export function segmentObservation(segment: number, segments: number): Observation {
  const context = new Float64Array(segments);
  context[segment] = 1;
  return { state: segment, context, segment };
}

/** A policy as one distribution per context. */
export function tablePolicy(rows: ArrayLike<number>[], rowKey?: Int32Array): Policy {
  return {
    numActions: rows[0]?.length ?? 0,
    probabilities: (key) => rows[key]!,
    ...(rowKey ? { rowKey } : {}),
  };
}

/**
 * `agent` after learning from `train` (decisions over `segments` contexts
 * and `items` items), as the distribution of its choices per segment.
 */
export function trainedAgentPolicy(
  agent: AgentName,
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  seed: number,
  samples = POLICY_SAMPLES,
): Policy {
  const { segments, items } = shape;
  const settings = agentSettings(agent);
  // DQN and the two-headed network train networks, which this worker does not load (OPE_AGENTS).
  if (!isPlainAgent(settings)) throw new RangeError(`${agent} is not offered here`);
  const learner = buildPlainAgent(
    settings,
    { numActions: items, numStates: segments, contextSize: segments, numSegments: segments },
    seed,
  );
  const observations = Array.from({ length: segments }, (_, s) => segmentObservation(s, segments));
  for (let i = 0; i < train.context.length; i++) {
    const observation = observations[train.context[i]!]!;
    learner.act(observation);
    learner.learn({
      observation,
      action: train.action[i]!,
      reward: train.reward[i]!,
      next: observation,
      done: true,
    });
  }
  const counts = observations.map(() => new Float64Array(items));
  for (let k = 0; k < samples; k++) observations.forEach((o, s) => counts[s]![learner.act(o)]!++);
  learner.dispose?.();
  return tablePolicy(counts.map((c) => c.map((v) => v / samples)));
}

/**
 * The policy a log teaches with pessimism: per segment, the item whose
 * reward has the best lower 95% bound (Wilson's, for rewards in [0, 1]) on
 * `train`, always shown. An online learner is optimistic about what it
 * knows little of, which is how it explores; taught by a log, that optimism
 * favours items shown a handful of times that got lucky. The lower bound
 * favours items the log knows well, and so rarely leaves its support.
 * A segment the first part never saw gets the best lower bound over all.
 */
export function pessimisticPolicy(
  train: LoggedDecisions,
  shape: { segments: number; items: number },
): Policy {
  const { segments, items } = shape;
  // Row `segments` pools every segment, for a segment with no rows of its own.
  const shows = new Float64Array((segments + 1) * items);
  const sums = new Float64Array((segments + 1) * items);
  for (let i = 0; i < train.context.length; i++) {
    for (const row of [train.context[i]!, segments]) {
      shows[row * items + train.action[i]!]!++;
      sums[row * items + train.action[i]!]! += Math.min(1, Math.max(0, train.reward[i]!));
    }
  }
  const best = (row: number): number => {
    let pick = -1;
    let top = -Infinity;
    for (let a = 0; a < items; a++) {
      const n = shows[row * items + a]!;
      if (n === 0) continue;
      const bound = wilsonLow(sums[row * items + a]! / n, n);
      if (bound > top) [top, pick] = [bound, a];
    }
    return pick;
  };
  const overall = Math.max(0, best(segments));
  return tablePolicy(
    Array.from({ length: segments }, (_, s) => {
      const pi = new Float64Array(items);
      const a = best(s);
      pi[a >= 0 ? a : overall] = 1;
      return pi;
    }),
  );
}

/** The lower end of Wilson's 95% interval for a rate `p` seen over `n` trials. */
function wilsonLow(p: number, n: number): number {
  const z2 = 1.96 * 1.96;
  return (p + z2 / (2 * n) - 1.96 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/** A policy file that cannot be read as a policy for this log; the message says where. */
export class PolicyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyFileError';
  }
}

/** How far a distribution's sum may be from 1 (rounding in a spreadsheet's export). */
const SUM_TOLERANCE = 1e-3;

export interface PolicyFileLog {
  /** The log's segments and items, by name. */
  contexts: readonly string[];
  items: readonly string[];
  /** The judged rows: per row its context and, for per-decision files, its decision's id. */
  context: Int32Array;
  decisionIds?: readonly string[];
  decisionOf?: Int32Array;
}

/** A team's policy as read, with what it gives to items the log does not have. */
export interface PolicyFile {
  policy: Policy;
  /** Items the file names that the log never has, first five. */
  unknownItems: string[];
  /** The share of its choices on the judged rows that goes to them. */
  unknownShare: number;
}

/**
 * A team's policy from CSV text, for the rows of `log`. Refused with the
 * line and the reason for the first problem: a missing column, an unknown
 * segment or decision, a probability outside [0, 1], a distribution that
 * does not sum to 1, or a segment or decision the log judges that the file
 * leaves out. Items the log does not have are no error in the file: what
 * the policy gives them no estimator can judge, and the estimates leave out
 * (the caller refuses the policy when that share is large).
 */
export function policyFromCsv(text: string, log: PolicyFileLog): PolicyFile {
  const parsed = Papa.parse<string[]>(toLf(text).trim(), {
    header: false,
    skipEmptyLines: true,
  });
  const [head, ...body] = parsed.data;
  if (!head || body.length === 0)
    throw new PolicyFileError('the file is empty: it needs a header and at least one row');
  const columns = head.map((h) => h.trim().toLowerCase());
  const col = (name: string) => columns.indexOf(name);
  const by = col('segment') >= 0 ? 'segment' : col('decision') >= 0 ? 'decision' : null;
  if (!by || col('item') < 0 || col('probability') < 0)
    throw new PolicyFileError(
      `the header must name segment (or decision), item and probability; it has ${columns.join(', ')}`,
    );
  if (col('segment') >= 0 && col('decision') >= 0)
    throw new PolicyFileError('give segment or decision, not both');
  if (by === 'decision' && !log.decisionIds)
    throw new PolicyFileError(
      'this log names no decisions: give the policy per segment (segment,item,probability)',
    );
  const keyNames = by === 'segment' ? log.contexts : log.decisionIds!;
  const keyIndex = new Map(keyNames.map((k, i) => [k, i]));
  const itemIndex = new Map(log.items.map((k, i) => [k, i]));
  const rows = new Map<number, Float64Array>();
  const outside = new Map<number, number>();
  const unknown = new Set<string>();
  body.forEach((cells, r) => {
    const line = r + 2;
    const key = cells[col(by)]?.trim() ?? '';
    const item = cells[col('item')]?.trim() ?? '';
    const pText = cells[col('probability')]?.trim() ?? '';
    const k = keyIndex.get(key);
    if (k === undefined)
      throw new PolicyFileError(
        `line ${line}: the log has no ${by} "${key}"${by === 'segment' ? ` (it has ${log.contexts.join(', ')})` : ''}`,
      );
    const p = pText === '' ? NaN : Number(pText);
    if (!(p >= 0 && p <= 1))
      throw new PolicyFileError(
        `line ${line}: the probability "${pText}" is not a number in [0, 1]`,
      );
    if (item === '') throw new PolicyFileError(`line ${line}: the item is empty`);
    let dist = rows.get(k);
    if (!dist) rows.set(k, (dist = new Float64Array(log.items.length)));
    const a = itemIndex.get(item);
    if (a !== undefined) dist[a]! += p;
    else {
      outside.set(k, (outside.get(k) ?? 0) + p);
      if (p > 0) unknown.add(item);
    }
  });
  for (const [k, dist] of rows) {
    const sum = dist.reduce((s, v) => s + v, 0) + (outside.get(k) ?? 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE)
      throw new PolicyFileError(
        `the probabilities for ${by} "${keyNames[k]}" sum to ${sum.toFixed(4)}, not 1`,
      );
    for (let a = 0; a < dist.length; a++) dist[a]! /= sum;
    outside.set(k, (outside.get(k) ?? 0) / sum);
  }
  const table = keyNames.map((_, k) => rows.get(k) ?? null);
  const keys = by === 'segment' ? log.context : log.decisionOf!;
  const missing = [...new Set(keys)].filter((k) => !table[k]);
  if (missing.length > 0)
    throw new PolicyFileError(
      by === 'segment'
        ? `the file gives no probabilities for segment ${missing.map((x) => `"${log.contexts[x]}"`).join(', ')}, which the log has`
        : `the file gives no probabilities for ${missing.length.toLocaleString('en')} of the log’s judged decisions (first: "${keyNames[missing[0]!]}")`,
    );
  let share = 0;
  for (const k of keys) share += outside.get(k) ?? 0;
  const dists = table.map((d) => d ?? new Float64Array(log.items.length));
  return {
    policy: by === 'segment' ? tablePolicy(dists) : tablePolicy(dists, log.decisionOf),
    unknownItems: [...unknown].slice(0, 5),
    unknownShare: keys.length > 0 ? share / keys.length : 0,
  };
}
