/**
 * A log of your own as decisions to judge policies on. Each shown item (a
 * `view` row of a decision) is one logged decision: its context is the
 * shopper's segment (the one context every policy here can see), its reward
 * whether the shopper then clicked (or bought) that item in the same
 * decision, its propensity the one the log records.
 *
 * Where the log records no propensity, the logging policy is estimated from
 * the log itself: how often each item was shown to each segment. The app
 * says so, and how far to trust it: that estimate assumes the logging
 * system chose by segment alone, and rests on few rows where an item was
 * shown to a segment only a handful of times.
 */
import { EVENT_KINDS, type InteractionLog } from '../../data/interaction-log';
import type { LoggedDecisions } from './logged';
import type { LoggedSlates } from './slates';

export interface LogDecisions {
  decisions: LoggedDecisions;
  /** The contexts: the log's segments (one, "everyone", without a segment column). */
  contexts: string[];
  /** The items, by the log's ids (a row's action indexes this). */
  items: string[];
  /** Per row, its decision: an index into `decisionIds`. */
  decisionOf: Int32Array;
  decisionIds: string[];
  /** Per row, the slot it was shown in (−1 where the log names none). */
  position: Int32Array;
  /** Per row, 1 where its propensity was estimated rather than recorded. */
  estimatedRow: Uint8Array;
  /** Rows whose propensity the log records, and rows whose propensity was estimated. */
  recorded: number;
  estimated: number;
  /**
   * Of the estimated rows, the share whose (segment, item) was shown fewer
   * than 10 times: their estimated propensity is a count of a handful.
   */
  thinShare: number;
}

export class LogDecisionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogDecisionsError';
  }
}

/** Fewer shows of an item to a segment than this, and its estimated propensity is thin. */
export const THIN_CELL = 10;

/**
 * The log's shown items as decisions; `reward` names the event that earns 1.
 * Refused, with the reason, when the log records no recommendations.
 */
export function decisionsOfLog(
  log: InteractionLog,
  reward: 'click' | 'purchase' = 'click',
): LogDecisions {
  const shows = log.shows;
  if (!shows || shows.ids.length === 0)
    throw new LogDecisionsError(
      'the log records no recommendations: it needs a decision column naming what each view was shown in',
    );
  const view = EVENT_KINDS.indexOf('view');
  const earn = EVENT_KINDS.indexOf(reward);
  // What earned a reward: (decision, item) pairs with the event, and, for events the log does
  // not tie to a decision, the shopper's item until their next decision.
  const earned = new Set<string>();
  const loose = new Map<string, number[]>(); // user:item -> rows of untied events
  for (let r = 0; r < log.user.length; r++) {
    if (log.event[r] !== earn) continue;
    const d = shows.decision[r]!;
    if (d >= 0) earned.add(`${d}:${log.item[r]}`);
    else {
      const key = `${log.user[r]}:${log.item[r]}`;
      const list = loose.get(key) ?? [];
      list.push(r);
      loose.set(key, list);
    }
  }
  const rows: number[] = [];
  for (let r = 0; r < log.user.length; r++)
    if (log.event[r] === view && shows.decision[r]! >= 0) rows.push(r);
  if (rows.length === 0)
    throw new LogDecisionsError(
      'the log’s recommendations show nothing: no view row names a decision',
    );
  // Where each shown row's decision ends for its shopper: at their next decision's first view.
  const until = new Map<number, number>();
  const scan = new Map<number, { decision: number; boundary: number; earliest: number }>();
  for (let j = rows.length - 1; j >= 0; j--) {
    const r = rows[j]!;
    const u = log.user[r]!;
    const d = shows.decision[r]!;
    const later = scan.get(u);
    const here =
      later && later.decision === d
        ? { ...later, earliest: r }
        : { decision: d, boundary: later ? later.earliest : Infinity, earliest: r };
    scan.set(u, here);
    until.set(r, here.boundary);
  }
  const segmentsKnown = log.segmentNames.length > 0;
  const contexts = segmentsKnown ? log.segmentNames : ['everyone'];
  const n = rows.length;
  const decisionOf = new Int32Array(n);
  const out: LoggedDecisions = {
    context: new Int32Array(n),
    action: new Int32Array(n),
    reward: new Float64Array(n),
    propensity: new Float64Array(n),
    group: new Int32Array(n),
  };
  const items = log.itemIds.length;
  const shown = new Float64Array(contexts.length * items);
  const perContext = new Float64Array(contexts.length);
  rows.forEach((r, j) => {
    const x = segmentsKnown ? Math.max(0, log.segment[r]!) : 0;
    const a = log.item[r]!;
    out.context[j] = x;
    out.action[j] = a;
    out.group[j] = log.user[r]!;
    decisionOf[j] = shows.decision[r]!;
    out.propensity[j] = shows.propensity[r]!;
    const tied = earned.has(`${shows.decision[r]}:${a}`);
    const end = until.get(r) ?? Infinity;
    const untied = (loose.get(`${log.user[r]}:${a}`) ?? []).some((e) => e > r && e < end);
    out.reward[j] = tied || untied ? 1 : 0;
    shown[x * items + a]!++;
    perContext[x]!++;
  });
  let estimated = 0;
  let thin = 0;
  const estimatedRow = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    if (!Number.isNaN(out.propensity[j]!)) continue;
    const x = out.context[j]!;
    const cell = shown[x * items + out.action[j]!]!;
    out.propensity[j] = cell / perContext[x]!;
    estimatedRow[j] = 1;
    estimated++;
    if (cell < THIN_CELL) thin++;
  }
  return {
    decisions: out,
    contexts,
    items: log.itemIds,
    decisionOf,
    decisionIds: shows.ids,
    position: Int32Array.from(rows, (r) => shows.position[r]!),
    estimatedRow,
    recorded: n - estimated,
    estimated,
    thinShare: estimated > 0 ? thin / estimated : 0,
  };
}

/** A log's decisions as slates: each shows the same K items, one per slot 0..K−1. */
export interface LogSlates {
  slates: LoggedSlates;
  /** Per slate, its decision: an index into the log's decision ids. */
  decision: Int32Array;
  /** Per slate, its first row in the decisions (time order), for splitting by shopper. */
  firstRow: Int32Array;
  recorded: number;
  estimated: number;
  thinShare: number;
  /** Decisions left out: they show another number of items, or name their slots otherwise than 0..K−1 once each. */
  dropped: number;
}

/**
 * The log's decisions as slates, when its views name their slots and most
 * decisions show more than one item; null for a log of single items. K is
 * the most common slate size. A propensity the log does not record is
 * estimated per slot, as the item's share of that slot's shows in its
 * segment (μ(k, a | x)), and is thin below 10 shows.
 */
export function slatesOfLog(d: LogDecisions): LogSlates | null {
  const byDecision = new Map<number, number[]>();
  d.decisionOf.forEach((dec, j) => {
    const list = byDecision.get(dec);
    if (list) list.push(j);
    else byDecision.set(dec, [j]);
  });
  const sizes = new Map<number, number>();
  const valid = new Map<number, number[]>(); // decision -> rows by slot
  for (const [dec, rows] of byDecision) {
    const bySlot = new Array<number>(rows.length).fill(-1);
    const ok = rows.every((j) => {
      const k = d.position[j]!;
      if (!(k >= 0 && k < rows.length) || bySlot[k] !== -1) return false;
      bySlot[k] = j;
      return true;
    });
    if (!ok) continue;
    valid.set(dec, bySlot);
    sizes.set(rows.length, (sizes.get(rows.length) ?? 0) + 1);
  }
  let K = 0;
  for (const [size, count] of sizes) if (count > (sizes.get(K) ?? 0)) K = size;
  if (K <= 1) return null;
  const kept = [...valid]
    .filter(([, rows]) => rows.length === K)
    .map(([dec, rows]) => [dec, rows, Math.min(...rows)] as const)
    .sort((a, b) => a[2] - b[2]);
  const n = kept.length;
  const A = d.items.length;
  const X = d.contexts.length;
  const slates: LoggedSlates = {
    slots: K,
    context: new Int32Array(n),
    group: new Int32Array(n),
    action: new Int32Array(n * K),
    reward: new Float64Array(n * K),
    propensity: new Float64Array(n * K),
  };
  const shows = new Float64Array(X * K * A);
  const perContext = new Float64Array(X);
  kept.forEach(([, rows], i) => {
    const x = d.decisions.context[rows[0]!]!;
    slates.context[i] = x;
    slates.group[i] = d.decisions.group[rows[0]!]!;
    perContext[x]!++;
    rows.forEach((j, k) => {
      const a = d.decisions.action[j]!;
      slates.action[i * K + k] = a;
      slates.reward[i * K + k] = d.decisions.reward[j]!;
      slates.propensity[i * K + k] = d.estimatedRow[j] ? NaN : d.decisions.propensity[j]!;
      shows[(x * K + k) * A + a]!++;
    });
  });
  let estimated = 0;
  let thin = 0;
  for (let j = 0; j < n * K; j++) {
    if (!Number.isNaN(slates.propensity[j]!)) continue;
    const x = slates.context[Math.floor(j / K)]!;
    const cell = shows[(x * K + (j % K)) * A + slates.action[j]!]!;
    slates.propensity[j] = cell / perContext[x]!;
    estimated++;
    if (cell < THIN_CELL) thin++;
  }
  return {
    slates,
    decision: Int32Array.from(kept, ([dec]) => dec),
    firstRow: Int32Array.from(kept, ([, , first]) => first),
    recorded: n * K - estimated,
    estimated,
    thinShare: estimated > 0 ? thin / estimated : 0,
    dropped: byDecision.size - n,
  };
}
