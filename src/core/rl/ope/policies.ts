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
import type { Agent, Observation } from '../contract';
import { OpeInputError } from './estimators';
import { buildPlainAgent, isPlainAgent } from '../agents/build-plain';
import type { AgentName } from '../agents/names';
import { agentSettings, type AgentSettings } from '../agents/settings';
import type { LoggedDecisions, Policy } from './logged';
import type { LoggedSlates, SlatePolicy } from './slates';

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

/** `agent` taught by `train` as a race warm-started from the log would teach it, and the observation of each segment. */
function taught(
  agent: AgentName | AgentSettings,
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  seed: number,
): { learner: Agent; observations: Observation[] } {
  const { segments, items } = shape;
  const settings = typeof agent === 'string' ? agentSettings(agent) : agent;
  // DQN and the two-headed network train networks, which this worker does not load (OPE_AGENTS).
  if (!isPlainAgent(settings)) throw new RangeError(`${settings.kind} is not offered here`);
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
  return { learner, observations };
}

/**
 * `agent` after learning from `train` (decisions over `segments` contexts
 * and `items` items), as the distribution of its choices per segment.
 */
export function trainedAgentPolicy(
  agent: AgentName | AgentSettings,
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  seed: number,
  samples = POLICY_SAMPLES,
): Policy {
  const { learner, observations } = taught(agent, train, shape, seed);
  const counts = observations.map(() => new Float64Array(shape.items));
  for (let k = 0; k < samples; k++) observations.forEach((o, s) => counts[s]![learner.act(o)]!++);
  learner.dispose?.();
  return tablePolicy(counts.map((c) => c.map((v) => v / samples)));
}

/**
 * Per segment and slot, which items the log shows there: a slate policy is
 * judged only where its slots keep to them (slates.ts refuses the rest).
 */
export type SlotSupport = Uint8Array[][];

export function slotSupport(log: LoggedSlates, segments: number, items: number): SlotSupport {
  const K = log.slots;
  const out = Array.from({ length: segments }, () =>
    Array.from({ length: K }, () => new Uint8Array(items)),
  );
  for (let i = 0; i < log.context.length; i++)
    for (let k = 0; k < K; k++) out[log.context[i]!]![k]![log.action[i * K + k]!] = 1;
  return out;
}

/**
 * A slate from a preference order: each slot, in turn, gets the first item
 * of `order` the log shows in that slot (to this segment, else to any) and
 * the slate does not hold yet; the first unused item where none is left.
 */
function fillSlots(order: ArrayLike<number>, own: Uint8Array[], any: Uint8Array[]): Int32Array {
  const K = own.length;
  const slate = new Int32Array(K).fill(-1);
  const used = new Set<number>();
  const pick = (allowed: (a: number) => boolean) => {
    for (let r = 0; r < order.length; r++) {
      const a = order[r]!;
      if (!used.has(a) && allowed(a)) return a;
    }
    return -1;
  };
  for (let k = 0; k < K; k++) {
    let a = pick((b) => own[k]![b] === 1);
    if (a < 0) a = pick((b) => any[k]![b] === 1);
    if (a < 0) a = pick(() => true);
    slate[k] = a;
    used.add(a);
  }
  return slate;
}

/** Per slot, the items the log shows there to any segment. */
function pooledSupport(support: SlotSupport): Uint8Array[] {
  return support[0]!.map((_, k) => {
    const all = new Uint8Array(support[0]![k]!.length);
    for (const seg of support) seg[k]!.forEach((v, a) => (all[a] ||= v));
    return all;
  });
}

/**
 * The same, for a log of slates: the share of `samples` slates per segment
 * that put each item in each slot. Every shown item of the log's first part
 * taught it (as a race's semi-bandit feedback would); each slot then gets
 * its best-ranked item among those the log shows in that slot, so that its
 * slates stay where the log can judge them. Refused for an agent that picks
 * one item and cannot rank.
 */
export function trainedAgentSlatePolicy(
  agent: AgentName | AgentSettings,
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  seed: number,
  support: SlotSupport,
  samples = POLICY_SAMPLES,
): SlatePolicy {
  const { learner, observations } = taught(agent, train, shape, seed);
  const A = shape.items;
  const K = support[0]!.length;
  const any = pooledSupport(support);
  try {
    const rank = learner.rank?.bind(learner);
    if (!rank) throw new OpeInputError(`it picks one item and cannot fill a slate of ${K}`);
    const marginals = observations.map(() => new Float64Array(K * A));
    for (let n = 0; n < samples; n++)
      observations.forEach((o, s) => {
        const slate = fillSlots(rank(o, A), support[s]!, any);
        for (let k = 0; k < K; k++) marginals[s]![k * A + slate[k]!]! += 1 / samples;
      });
    return slateTable(marginals, K);
  } finally {
    learner.dispose?.();
  }
}

/**
 * Per segment, the items ranked by the lower 95% bound (Wilson's, for
 * rewards in [0, 1]) of their reward on `train`, the first `k`; a segment
 * with fewer shown items is filled from the ranking over all segments.
 */
function pessimisticRanking(
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  k: number,
): number[][] {
  const { segments, items } = shape;
  // Row `segments` pools every segment, for a segment with few rows of its own.
  const shows = new Float64Array((segments + 1) * items);
  const sums = new Float64Array((segments + 1) * items);
  for (let i = 0; i < train.context.length; i++) {
    for (const row of [train.context[i]!, segments]) {
      shows[row * items + train.action[i]!]!++;
      sums[row * items + train.action[i]!]! += Math.min(1, Math.max(0, train.reward[i]!));
    }
  }
  const ranked = (row: number): number[] => {
    const bound = (a: number) => {
      const n = shows[row * items + a]!;
      return wilsonLow(sums[row * items + a]! / n, n);
    };
    return Array.from({ length: items }, (_, a) => a)
      .filter((a) => shows[row * items + a]! > 0)
      .sort((a, b) => bound(b) - bound(a) || a - b);
  };
  const overall = ranked(segments);
  // Nothing shown at all: the first items, for a policy that is at least whole.
  for (let a = 0; overall.length < k && a < items; a++) if (!overall.includes(a)) overall.push(a);
  return Array.from({ length: segments }, (_, s) => {
    const own = ranked(s).slice(0, k);
    for (const a of overall) {
      if (own.length >= k) break;
      if (!own.includes(a)) own.push(a);
    }
    return own;
  });
}

/**
 * The policy a log teaches with pessimism: per segment, the item whose
 * reward has the best lower 95% bound on `train`, always shown. An online
 * learner is optimistic about what it knows little of, which is how it
 * explores; taught by a log, that optimism favours items shown a handful of
 * times that got lucky. The lower bound favours items the log knows well,
 * and so rarely leaves its support.
 */
export function pessimisticPolicy(
  train: LoggedDecisions,
  shape: { segments: number; items: number },
): Policy {
  return tablePolicy(
    pessimisticRanking(train, shape, 1).map(([a]) => {
      const pi = new Float64Array(shape.items);
      pi[a!] = 1;
      return pi;
    }),
  );
}

/** The same for slates: each slot, in turn, the best lower bound among the items the log shows there. */
export function pessimisticSlatePolicy(
  train: LoggedDecisions,
  shape: { segments: number; items: number },
  support: SlotSupport,
): SlatePolicy {
  const A = shape.items;
  const K = support[0]!.length;
  const any = pooledSupport(support);
  return slateTable(
    pessimisticRanking(train, shape, A).map((order, s) => {
      const slate = fillSlots(order, support[s]!, any);
      const m = new Float64Array(K * A);
      slate.forEach((a, k) => (m[k * A + a] = 1));
      return m;
    }),
    K,
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
  /** The judged rows (or slates): per row its context and, for per-decision files, its decision's id. */
  context: Int32Array;
  decisionIds?: readonly string[];
  decisionOf?: Int32Array;
  /** Items a decision shows, for a log of slates (absent: 1). */
  slots?: number;
}

/** A team's policy as read, with what it gives to items the log does not have. */
export interface PolicyFile {
  policy: Policy;
  /** For a log of slates: per segment, each slot's distribution (policy then gives slot 0's). */
  slate: SlatePolicy | null;
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
 * (the caller refuses the policy when that share is large). For a log of
 * slates the file gives one distribution per segment and slot:
 * `segment,position,item,probability`.
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
  const K = log.slots ?? 1;
  const slotted = col('position') >= 0;
  if (K > 1 && !(slotted && by === 'segment'))
    throw new PolicyFileError(
      `this log shows ${K} items a decision: give the policy per segment and slot (segment,position,item,probability)`,
    );
  if (K === 1 && slotted)
    throw new PolicyFileError('this log shows one item a decision: leave the position column out');
  if (by === 'decision' && !log.decisionIds)
    throw new PolicyFileError(
      'this log names no decisions: give the policy per segment (segment,item,probability)',
    );
  const names = by === 'segment' ? log.contexts : log.decisionIds!;
  const keyIndex = new Map(names.map((k, i) => [k, i]));
  const keyName = (key: number) =>
    K > 1
      ? `segment "${names[Math.floor(key / K)]}", position ${key % K}`
      : `${by} "${names[key]}"`;
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
    let slot = 0;
    if (K > 1) {
      const sText = cells[col('position')]?.trim() ?? '';
      slot = /^\d+$/.test(sText) ? Number(sText) : -1;
      if (!(slot >= 0 && slot < K))
        throw new PolicyFileError(
          `line ${line}: the position "${sText}" is not a slot 0 to ${K - 1}`,
        );
    }
    const p = pText === '' ? NaN : Number(pText);
    if (!(p >= 0 && p <= 1))
      throw new PolicyFileError(
        `line ${line}: the probability "${pText}" is not a number in [0, 1]`,
      );
    if (item === '') throw new PolicyFileError(`line ${line}: the item is empty`);
    const cell = k * K + slot;
    let dist = rows.get(cell);
    if (!dist) rows.set(cell, (dist = new Float64Array(log.items.length)));
    const a = itemIndex.get(item);
    if (a !== undefined) dist[a]! += p;
    else {
      outside.set(cell, (outside.get(cell) ?? 0) + p);
      if (p > 0) unknown.add(item);
    }
  });
  for (const [k, dist] of rows) {
    const sum = dist.reduce((s, v) => s + v, 0) + (outside.get(k) ?? 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE)
      throw new PolicyFileError(
        `the probabilities for ${keyName(k)} sum to ${sum.toFixed(4)}, not 1`,
      );
    for (let a = 0; a < dist.length; a++) dist[a]! /= sum;
    outside.set(k, (outside.get(k) ?? 0) / sum);
  }
  const keys = by === 'segment' ? log.context : log.decisionOf!;
  const missing = [...new Set(keys)]
    .flatMap((k) => Array.from({ length: K }, (_, slot) => k * K + slot))
    .filter((cell) => !rows.has(cell));
  if (missing.length > 0)
    throw new PolicyFileError(
      by === 'segment'
        ? `the file gives no probabilities for ${K > 1 ? missing.map(keyName).join('; ') : `segment ${missing.map((k) => `"${names[k]}"`).join(', ')}`}, which the log has`
        : `the file gives no probabilities for ${missing.length.toLocaleString('en')} of the log’s judged decisions (first: "${names[missing[0]!]}")`,
    );
  let share = 0;
  for (const k of keys)
    for (let slot = 0; slot < K; slot++) share += outside.get(k * K + slot) ?? 0;
  const A = log.items.length;
  const dist = (cell: number) => rows.get(cell) ?? new Float64Array(A);
  const table = names.map((_, k) => dist(k * K));
  return {
    policy: by === 'segment' ? tablePolicy(table) : tablePolicy(table, log.decisionOf),
    slate:
      K > 1
        ? slateTable(
            names.map((_, k) => {
              const m = new Float64Array(K * A);
              for (let slot = 0; slot < K; slot++) m.set(dist(k * K + slot), slot * A);
              return m;
            }),
            K,
          )
        : null,
    unknownItems: [...unknown].slice(0, 5),
    unknownShare: keys.length > 0 ? share / (keys.length * K) : 0,
  };
}

/** A slate policy as one K × A table of slot marginals per segment. */
export function slateTable(marginals: Float64Array[], slots: number): SlatePolicy {
  return {
    numActions: (marginals[0]?.length ?? 0) / slots,
    slots,
    marginals: (x) => marginals[x]!,
  };
}
