/**
 * A log read from a user's file, as a checkpoint carries it: a model run on
 * your own log must resume from its session alone, so the log rides with
 * the run's state. The columns travel as raw bytes in int32 tensors (every
 * bit comes back, NaN prices included), the names and the summary as JSON.
 *
 * A checkpoint may come from an imported file, so reading one back checks
 * everything the importer would have made sure of: names unique and within
 * their lengths, every index inside its list, known event kinds, finite
 * times, prices unknown or ≥ 0, and a summary that counts what the columns
 * hold. Anything else is a CheckpointError naming what is wrong.
 */
import * as v from 'valibot';
import { CheckpointError, type NamedTensor } from '../store/checkpoint';
import type { Json } from '../store/schema';
import { EVENT_KINDS, MAX_POSITION, type InteractionLog, type LogSummary } from './interaction-log';

/** The importer's own limits: ids up to 200 characters, categories and segments 100, 2,000,000 rows. */
const MAX_ID = 200;
const MAX_NAME = 100;
const MAX_ROWS = 2_000_000;
const COLUMNS = ['user', 'item', 'event', 'time', 'price', 'category', 'segment'] as const;
/** What a recommender showed, with a decision column. */
const SHOW_COLUMNS = ['decision', 'position', 'propensity'] as const;
type ColumnName = (typeof COLUMNS)[number] | (typeof SHOW_COLUMNS)[number];

/** Each column as int32s over its own bytes (Float64 times take two). */
function asInt32(a: Int32Array | Uint8Array | Float64Array | Float32Array): Int32Array {
  // Float64 and Float32 columns keep their bits: NaN (unknown) included.
  if (a instanceof Int32Array) return a.slice();
  if (a instanceof Uint8Array) return Int32Array.from(a);
  return new Int32Array(a.slice().buffer);
}

/** The log as JSON (names, summary) and tensors named `<prefix>/<column>`. */
export function logToState(
  log: InteractionLog,
  prefix: string,
): { json: Json; tensors: NamedTensor[] } {
  const tensors = COLUMNS.map((c): NamedTensor => {
    const data = asInt32(log[c]);
    return { name: `${prefix}/${c}`, shape: [data.length], dtype: 'int32', data };
  });
  const json = {
    summary: structuredClone(log.summary) as unknown as Json,
    userIds: log.userIds,
    itemIds: log.itemIds,
    categoryNames: log.categoryNames,
    segmentNames: log.segmentNames,
    ...(log.shows && { decisionIds: log.shows.ids }),
  };
  if (log.shows)
    for (const c of SHOW_COLUMNS) {
      const data = asInt32(log.shows[c]);
      tensors.push({ name: `${prefix}/${c}`, shape: [data.length], dtype: 'int32', data });
    }
  return { json, tensors };
}

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const names = (max: number) =>
  v.pipe(v.array(v.pipe(v.string(), v.maxLength(max))), v.maxLength(MAX_ROWS));
const bound = v.nullable(v.pipe(v.number(), v.finite()));

const SUMMARY = v.strictObject({
  rows: count,
  accepted: count,
  refused: count,
  problems: v.pipe(
    v.array(v.strictObject({ line: count, reason: v.pipe(v.string(), v.maxLength(400)) })),
    v.maxLength(500),
  ),
  users: count,
  items: count,
  categories: count,
  segments: count,
  events: v.strictObject({ view: count, click: count, cart: count, purchase: count }),
  from: bound,
  to: bound,
  priceMin: bound,
  priceMax: bound,
  ignoredColumns: v.pipe(v.array(v.pipe(v.string(), v.maxLength(MAX_ID))), v.maxLength(20)),
  truncated: v.nullable(v.pipe(v.string(), v.maxLength(200))),
  decisions: v.optional(count),
  propensities: v.optional(count),
}) satisfies v.GenericSchema<unknown, LogSummary>;

const LOG_JSON = v.strictObject({
  summary: SUMMARY,
  userIds: names(MAX_ID),
  itemIds: names(MAX_ID),
  categoryNames: names(MAX_NAME),
  segmentNames: names(MAX_NAME),
  decisionIds: v.optional(names(MAX_ID)),
});

function unique(list: string[], what: string): void {
  if (new Set(list).size !== list.length) throw new CheckpointError(`the log’s ${what} repeat`);
}

/** Column `c`'s bytes, `n` values of `C` once read back. */
function column(tensors: NamedTensor[], prefix: string, c: ColumnName, words: number): Int32Array {
  const t = tensors.find((x) => x.name === `${prefix}/${c}`);
  if (!t || t.dtype !== 'int32' || !(t.data instanceof Int32Array))
    throw new CheckpointError(`the log’s ${c} column is missing`);
  if (t.data.length % words !== 0)
    throw new CheckpointError(`the log’s ${c} column has a broken length`);
  return t.data;
}

/** Every entry of `a` is an index into a list of `size` (or -1 where `orNone`). */
function indices(a: Int32Array, size: number, what: string, orNone = false): void {
  for (const x of a)
    if (x >= size || x < (orNone ? -1 : 0))
      throw new CheckpointError(`the log names ${what} ${x}, which its list does not have`);
}

/** The log `logToState` saved, checked whole before it is used. */
export function logFromState(
  json: unknown,
  tensors: NamedTensor[],
  prefix: string,
): InteractionLog {
  const read = v.safeParse(LOG_JSON, json);
  if (!read.success)
    throw new CheckpointError(
      `the saved log is damaged: ${v.getDotPath(read.issues[0]) ?? 'its shape'} ${read.issues[0].message}`,
    );
  const { summary, userIds, itemIds, categoryNames, segmentNames, decisionIds } = read.output;
  unique(userIds, 'shopper ids');
  unique(itemIds, 'item ids');
  unique(categoryNames, 'categories');
  unique(segmentNames, 'segments');
  const user = column(tensors, prefix, 'user', 1);
  const n = user.length;
  if (n === 0 || n > MAX_ROWS) throw new CheckpointError(`the saved log has ${n} rows`);
  const item = column(tensors, prefix, 'item', 1);
  const eventWords = column(tensors, prefix, 'event', 1);
  const timeWords = column(tensors, prefix, 'time', 2);
  const priceWords = column(tensors, prefix, 'price', 1);
  const category = column(tensors, prefix, 'category', 1);
  const segment = column(tensors, prefix, 'segment', 1);
  for (const [c, a, words] of [
    ['item', item, 1],
    ['event', eventWords, 1],
    ['time', timeWords, 2],
    ['price', priceWords, 1],
    ['category', category, 1],
    ['segment', segment, 1],
  ] as const)
    if (a.length !== n * words)
      throw new CheckpointError(`the log’s ${c} column is not ${n} rows long`);
  indices(user, userIds.length, 'shopper');
  indices(item, itemIds.length, 'item');
  indices(eventWords, EVENT_KINDS.length, 'event kind');
  indices(category, categoryNames.length, 'category');
  indices(segment, segmentNames.length, 'segment', segmentNames.length === 0);
  if (segmentNames.length === 0 && segment.some((s) => s !== -1))
    throw new CheckpointError('the log has no segments, yet its rows name some');
  const time = new Float64Array(timeWords.slice().buffer);
  const price = new Float32Array(priceWords.slice().buffer);
  if (time.some((t) => !Number.isFinite(t)))
    throw new CheckpointError('the log holds a time that is not a number');
  if (price.some((p) => !(Number.isNaN(p) || (p >= 0 && Number.isFinite(p)))))
    throw new CheckpointError('the log holds a price below 0 or infinite');
  const event = Uint8Array.from(eventWords);
  const log: InteractionLog = {
    summary,
    userIds,
    itemIds,
    categoryNames,
    segmentNames,
    user: user.slice(),
    item: item.slice(),
    event,
    time,
    price,
    category: category.slice(),
    segment: segment.slice(),
  };
  if (decisionIds) {
    unique(decisionIds, 'decision ids');
    const decision = column(tensors, prefix, 'decision', 1).slice();
    const position = column(tensors, prefix, 'position', 1).slice();
    const chanceWords = column(tensors, prefix, 'propensity', 2);
    if (decision.length !== n || position.length !== n || chanceWords.length !== 2 * n)
      throw new CheckpointError(`the log’s decision columns are not ${n} rows long`);
    indices(decision, decisionIds.length, 'decision', true);
    for (const p of position)
      if (p < -1 || p > MAX_POSITION) throw new CheckpointError(`the log holds the slot ${p}`);
    const propensity = new Float64Array(chanceWords.slice().buffer);
    for (const [i, q] of propensity.entries())
      if (!(Number.isNaN(q) || (q > 0 && q <= 1)) || (!Number.isNaN(q) && decision[i] === -1))
        throw new CheckpointError(
          'the log holds a propensity that is not a probability of a decision',
        );
    log.shows = { ids: decisionIds, decision, position, propensity };
  }
  const wrong = summaryMismatch(log);
  if (wrong) throw new CheckpointError(`the saved log’s summary does not fit its rows: ${wrong}`);
  return log;
}

/** The first count in the summary that the columns contradict, or null. */
function summaryMismatch(log: InteractionLog): string | null {
  const s = log.summary;
  const n = log.user.length;
  if (s.accepted !== n) return `${s.accepted} rows accepted, ${n} kept`;
  if (s.rows !== s.accepted + s.refused) return 'rows are not accepted plus refused';
  const lists = [
    ['users', log.userIds.length],
    ['items', log.itemIds.length],
    ['categories', log.categoryNames.length],
    ['segments', log.segmentNames.length],
  ] as const;
  for (const [k, size] of lists) if (s[k] !== size) return `${s[k]} ${k} listed, ${size} named`;
  const events = EVENT_KINDS.map(() => 0);
  for (const e of log.event) events[e]!++;
  for (const [k, kind] of EVENT_KINDS.entries())
    if (s.events[kind] !== events[k]) return `${s.events[kind]} ${kind} events, ${events[k]} kept`;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of log.price)
    if (!Number.isNaN(p)) {
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
  if ((s.decisions === undefined) !== (log.shows === undefined)) return 'its decisions';
  if (log.shows) {
    if (s.decisions !== log.shows.ids.length) return `${s.decisions} decisions listed`;
    let known = 0;
    for (const q of log.shows.propensity) if (!Number.isNaN(q)) known++;
    if (s.propensities !== known) return `${s.propensities} propensities listed, ${known} kept`;
  }
  // The summary keeps prices as read, the column as float32.
  const same = (a: number | null, b: number) =>
    a === null ? !Number.isFinite(b) : Math.fround(a) === b;
  if (!same(s.priceMin, lo) || !same(s.priceMax, hi)) return 'its price range';
  if ((s.from === null) !== (s.to === null)) return 'its time range';
  if (s.from !== null) {
    let first = Infinity;
    let last = -Infinity;
    for (const t of log.time) {
      first = Math.min(first, t);
      last = Math.max(last, t);
    }
    if (s.from !== first || s.to !== last) return 'its time range';
  }
  return null;
}
