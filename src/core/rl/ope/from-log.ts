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

export interface LogDecisions {
  decisions: LoggedDecisions;
  /** The contexts: the log's segments (one, "everyone", without a segment column). */
  contexts: string[];
  /** The items, by the log's ids (a row's action indexes this). */
  items: string[];
  /** Per row, its decision: an index into `decisionIds`. */
  decisionOf: Int32Array;
  decisionIds: string[];
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
  for (let j = 0; j < n; j++) {
    if (!Number.isNaN(out.propensity[j]!)) continue;
    const x = out.context[j]!;
    const cell = shown[x * items + out.action[j]!]!;
    out.propensity[j] = cell / perContext[x]!;
    estimated++;
    if (cell < THIN_CELL) thin++;
  }
  return {
    decisions: out,
    contexts,
    items: log.itemIds,
    decisionOf,
    decisionIds: shows.ids,
    recorded: n - estimated,
    estimated,
    thinShare: estimated > 0 ? thin / estimated : 0,
  };
}
