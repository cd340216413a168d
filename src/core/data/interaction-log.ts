/**
 * Interaction logs from CSV: a team's own shopper events, parsed with
 * papaparse row by row (a File streams in chunks; a string parses at once),
 * every refused row reported with its line number and the reason, and the
 * rows kept as compact columns. Nothing here stores anything: the caller
 * shows the summary and keeps the log only when the user accepts it.
 *
 * The format (a header row, then one event per row; column order is free,
 * names are case-insensitive, other columns are ignored):
 *
 * | column    | required | meaning                                                       |
 * |-----------|----------|---------------------------------------------------------------|
 * | user_id   | yes      | who acted; any text up to 200 characters                      |
 * | item_id   | yes      | what they acted on; any text up to 200 characters             |
 * | event     | yes      | view, click, cart or purchase (and common synonyms)           |
 * | timestamp | no       | ISO 8601 date-time, or Unix time in seconds or milliseconds   |
 * | price     | no       | the item's price, a number ≥ 0 (empty = unknown)              |
 * | category  | no       | the item's category, up to 100 characters (empty = "unknown") |
 * | segment   | no       | the shopper's segment, up to 100 characters (empty = "unknown") |
 * | decision  | no       | the recommendation a row belongs to, up to 200 characters (empty = none) |
 * | position  | no       | the slot the item was shown in, 0 to 99 (needs a decision)    |
 * | propensity| no       | the probability the logging system gave that item in that slot, in (0, 1] |
 *
 * The last three say what a recommender showed and how likely it was to:
 * what off-policy evaluation weighs a log by. A log without propensities
 * can still be judged, with the logging policy estimated from the log.
 *
 * A shopper's segment is the one most of their rows name; the shopper GAN
 * can be conditioned on it.
 */
import Papa from 'papaparse';
import { LfTextStream, toLf } from './csv';
import { EVENT_KINDS, type EventKind } from './log-events';

export { EVENT_KINDS, type EventKind };

const SYNONYMS: Record<string, EventKind> = {
  view: 'view',
  impression: 'view',
  show: 'view',
  pageview: 'view',
  click: 'click',
  cart: 'cart',
  add_to_cart: 'cart',
  addtocart: 'cart',
  'add-to-cart': 'cart',
  purchase: 'purchase',
  buy: 'purchase',
  order: 'purchase',
  transaction: 'purchase',
};

const REQUIRED = ['user_id', 'item_id', 'event'] as const;
const OPTIONAL = [
  'timestamp',
  'price',
  'category',
  'segment',
  'decision',
  'position',
  'propensity',
] as const;
/** The most slots a recommendation may have. */
export const MAX_POSITION = 99;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

const MAX_ID = 200;
const MAX_CATEGORY = 100;

export interface LogLimits {
  /** Rows read at most; past this the import stops and says so. Default 2,000,000. */
  maxRows: number;
  /** Refused rows listed one by one; the rest are counted. Default 500. */
  maxListed: number;
  /** Told the rows read so far and how far into the input they reach (in characters), every 10,000 rows. */
  onProgress?: (rows: number, read: number) => void;
}

const DEFAULT_LIMITS: LogLimits = { maxRows: 2_000_000, maxListed: 500 };

/** A row that was not imported, and why. */
export interface RowProblem {
  line: number;
  reason: string;
}

export interface LogSummary {
  /** Data rows read (empty lines not counted). */
  rows: number;
  accepted: number;
  refused: number;
  /** The first refused rows, in file order (at most `maxListed`). */
  problems: RowProblem[];
  users: number;
  items: number;
  categories: number;
  /** Distinct segments, 0 without a segment column. */
  segments: number;
  events: Record<EventKind, number>;
  /** Earliest and latest time (ms since 1970), or null without timestamps. */
  from: number | null;
  to: number | null;
  /** Lowest and highest known price, or null. */
  priceMin: number | null;
  priceMax: number | null;
  /** Header columns that are not part of the format, left out (the first 20 named). */
  ignoredColumns: string[];
  /** Set when reading stopped early (the row limit). */
  truncated: string | null;
  /** Distinct decisions, and rows with a propensity (absent without a decision column). */
  decisions?: number;
  propensities?: number;
}

/** What a recommender showed, per row (with a decision column). */
export interface LoggedShows {
  /** The decisions' ids, in first-seen order. */
  ids: string[];
  /** Index into `ids`; -1 where the row names none. */
  decision: Int32Array;
  /** The slot, 0 on; -1 where not given. */
  position: Int32Array;
  /** The logging probability; NaN where not given. */
  propensity: Float64Array;
}

/** The accepted rows as columns; ids are indices into the name lists. */
export interface InteractionLog {
  summary: LogSummary;
  userIds: string[];
  itemIds: string[];
  categoryNames: string[];
  /** Empty without a segment column. */
  segmentNames: string[];
  user: Int32Array;
  item: Int32Array;
  /** Index into EVENT_KINDS. */
  event: Uint8Array;
  /** ms since 1970; the row's position when the log has no timestamps. */
  time: Float64Array;
  /** NaN where unknown. */
  price: Float32Array;
  category: Int32Array;
  /** Index into segmentNames; -1 without a segment column. */
  segment: Int32Array;
  /** Present when the log has a decision column. */
  shows?: LoggedShows;
}

/** What the log worker answers. */
export type LogReply =
  /** `fraction`: how much of the file is read, 0 to 1. */
  | { type: 'progress'; rows: number; fraction: number }
  | { type: 'done'; log: InteractionLog }
  | { type: 'failed'; message: string };

/** The file cannot be read as a log at all (no header, missing columns…). */
export class LogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogError';
  }
}

/** Growable typed columns. */
class Columns {
  n = 0;
  user = new Int32Array(1024);
  item = new Int32Array(1024);
  event = new Uint8Array(1024);
  time = new Float64Array(1024);
  price = new Float32Array(1024);
  category = new Int32Array(1024);
  segment = new Int32Array(1024);

  push(u: number, i: number, e: number, t: number, p: number, c: number, s: number): void {
    if (this.n === this.user.length) this.grow();
    const k = this.n++;
    this.user[k] = u;
    this.item[k] = i;
    this.event[k] = e;
    this.time[k] = t;
    this.price[k] = p;
    this.category[k] = c;
    this.segment[k] = s;
  }

  private grow(): void {
    const size = this.user.length * 2;
    const more = <T extends Int32Array | Uint8Array | Float64Array | Float32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.user = more(this.user);
    this.item = more(this.item);
    this.event = more(this.event);
    this.time = more(this.time);
    this.price = more(this.price);
    this.category = more(this.category);
    this.segment = more(this.segment);
  }
}

/** Names to indices, in first-seen order (a Map: ids like `__proto__` are only text). */
class Names {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(name, i);
      this.list.push(name);
    }
    return i;
  }
}

/**
 * Unix seconds or ms, or an ISO 8601 date-time with a date part. The date
 * and time must exist: JavaScript's parser reads 2024-02-30 as 1 March.
 */
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(t)) {
    const v = Number(t);
    return v < 1e11 ? v * 1000 : v; // ten digits are seconds, thirteen are ms
  }
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      t,
    );
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth) return null;
  if (hour! > 23 || minute! > 59 || second! > 59) return null;
  const v = Date.parse(t.replace(' ', 'T'));
  return Number.isFinite(v) ? v : null;
}

/** The largest price a float32 column holds; beyond it a price would be stored as Infinity. */
const MAX_PRICE = 3.4028234663852886e38;

/** A price: a plain decimal number ≥ 0; NaN for empty (unknown); null when it is not one. */
export function parsePrice(text: string): number | null {
  const t = text.trim();
  if (t === '') return NaN;
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) && Math.fround(v) <= MAX_PRICE ? v : null;
}

/** At most this many names in a message or list about the header. */
const LISTED_COLUMNS = 20;

/** A list of column names short enough for a message: the first few, then how many more. */
function someNames(names: string[]): string {
  const shown = names.slice(0, LISTED_COLUMNS).map((n) => n.trim().slice(0, 40));
  const more = names.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more.toLocaleString('en-US')} more` : '');
}

type Where = Partial<Record<Column, number>>;

function readHeader(fields: string[]): { where: Where; ignored: string[] } {
  const where: Where = {};
  const ignored: string[] = [];
  fields.forEach((raw, i) => {
    const name = raw
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase();
    const known = ([...REQUIRED, ...OPTIONAL] as string[]).includes(name);
    if (!known) {
      if (name && ignored.length < LISTED_COLUMNS) ignored.push(raw.trim().slice(0, 40));
      return;
    }
    if (where[name as Column] !== undefined) throw new LogError(`the header names “${name}” twice`);
    where[name as Column] = i;
  });
  if (
    where.decision === undefined &&
    (where.position !== undefined || where.propensity !== undefined)
  )
    throw new LogError(
      'the header has a position or propensity column but no decision column: they say where and how likely an item was shown in a recommendation, so each needs the decision it belongs to',
    );
  const missing = REQUIRED.filter((c) => where[c] === undefined);
  if (missing.length > 0)
    throw new LogError(
      `the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} ` +
        `(it has: ${someNames(fields) || 'nothing'}). ` +
        'The first row must name the columns: user_id, item_id, event, and optionally timestamp, price, category, segment, decision, position, propensity.',
    );
  return { where, ignored };
}

/** A row's place in a recommendation. */
interface Show {
  /** The decision's id; '' when the row names none. */
  id: string;
  position: number;
  propensity: number;
}

/** The decision, position and propensity fields of a row, or why they cannot be taken. */
function readShow(decision: string, position: string, propensity: string): Show | string {
  const id = decision.trim();
  if (id.length > MAX_ID) return `decision is over ${MAX_ID} characters`;
  const p = position.trim();
  const q = propensity.trim();
  if (!id && (p || q)) return 'has a position or propensity but no decision';
  let slot = -1;
  if (p) {
    if (!/^\d{1,2}$/.test(p))
      return `has the position “${p.slice(0, 40)}”; expected a slot 0 to ${MAX_POSITION}`;
    slot = Number(p);
  }
  let chance = NaN;
  if (q) {
    chance = /^[0-9.eE+-]+$/.test(q) ? Number(q) : NaN;
    if (!(chance > 0 && chance <= 1))
      return `has the propensity “${q.slice(0, 40)}”; expected a probability above 0 and at most 1`;
  }
  return { id, position: slot, propensity: chance };
}

/**
 * Reads a log. Resolves with the accepted rows and a summary that lists the
 * refused ones; rejects with a LogError when the file is not a log at all.
 */
export function parseInteractionLog(
  input: string | Blob,
  limits: Partial<LogLimits> = {},
): Promise<InteractionLog> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const users = new Names();
  const items = new Names();
  const categories = new Names();
  const segments = new Names();
  const cols = new Columns();
  const decisions = new Names();
  const shows: { decision: number[]; position: number[]; propensity: number[] } = {
    decision: [],
    position: [],
    propensity: [],
  };
  let propensities = 0;
  const events: Record<EventKind, number> = { view: 0, click: 0, cart: 0, purchase: 0 };
  const problems: RowProblem[] = [];
  let refused = 0;
  let rows = 0;
  let line = 0; // the last line of the row just read
  let header: { where: Where; ignored: string[] } | null = null;
  let headerWidth = 0;
  let truncated: string | null = null;
  let failure: LogError | null = null;
  let from = Infinity;
  let to = -Infinity;
  let priceMin = Infinity;
  let priceMax = -Infinity;

  const refuse = (at: number, reason: string) => {
    refused++;
    if (problems.length < lim.maxListed) problems.push({ line: at, reason });
  };

  const row = (fields: string[], parser: Papa.Parser, cursor: number) => {
    const first = line + 1;
    // Lines this row spans: one, plus any line breaks inside quoted fields.
    line += 1 + fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    if (fields.length === 1 && fields[0]!.trim() === '') return; // an empty line
    if (!header) {
      try {
        header = readHeader(fields);
        headerWidth = fields.length;
      } catch (e) {
        failure = e instanceof LogError ? e : new LogError(String(e));
        parser.abort();
      }
      return;
    }
    rows++;
    if (rows % 10_000 === 0) lim.onProgress?.(rows, cursor);
    if (rows > lim.maxRows) {
      rows--;
      truncated = `stopped after ${lim.maxRows.toLocaleString('en-US')} rows (the limit)`;
      parser.abort();
      return;
    }
    if (fields.length !== headerWidth)
      return refuse(first, `has ${fields.length} fields; the header has ${headerWidth}`);
    const w = header.where;
    const get = (c: Column) => (w[c] === undefined ? '' : fields[w[c]!]!);
    const user = get('user_id').trim();
    const item = get('item_id').trim();
    if (!user) return refuse(first, 'has no user_id');
    if (!item) return refuse(first, 'has no item_id');
    if (user.length > MAX_ID) return refuse(first, `user_id is over ${MAX_ID} characters`);
    if (item.length > MAX_ID) return refuse(first, `item_id is over ${MAX_ID} characters`);
    const rawEvent = get('event').trim();
    const kind = SYNONYMS[rawEvent.toLowerCase()];
    if (!kind || !Object.hasOwn(SYNONYMS, rawEvent.toLowerCase()))
      return refuse(
        first,
        `has the event “${rawEvent.slice(0, 40)}”; expected view, click, cart or purchase`,
      );
    let time = rows; // without timestamps, the order of the rows
    if (w.timestamp !== undefined) {
      const t = parseTime(get('timestamp'));
      if (t === null)
        return refuse(
          first,
          `has the timestamp “${get('timestamp').trim().slice(0, 40)}”; expected ISO 8601 or Unix time`,
        );
      time = t;
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
    const price = w.price === undefined ? NaN : parsePrice(get('price'));
    if (price === null)
      return refuse(
        first,
        `has the price “${get('price').trim().slice(0, 40)}”; expected a number ≥ 0 like 19.99`,
      );
    if (Number.isFinite(price)) {
      priceMin = Math.min(priceMin, price);
      priceMax = Math.max(priceMax, price);
    }
    const category = get('category').trim() || 'unknown';
    if (category.length > MAX_CATEGORY)
      return refuse(first, `category is over ${MAX_CATEGORY} characters`);
    const segment = w.segment === undefined ? null : get('segment').trim() || 'unknown';
    if (segment !== null && segment.length > MAX_CATEGORY)
      return refuse(first, `segment is over ${MAX_CATEGORY} characters`);
    let show: Show | null = null;
    if (w.decision !== undefined) {
      const read = readShow(get('decision'), get('position'), get('propensity'));
      if (typeof read === 'string') return refuse(first, read);
      show = read;
    }
    events[kind]++;
    if (show) {
      shows.decision.push(show.id === '' ? -1 : decisions.id(show.id));
      shows.position.push(show.position);
      shows.propensity.push(show.propensity);
      if (!Number.isNaN(show.propensity)) propensities++;
    }
    cols.push(
      users.id(user),
      items.id(item),
      EVENT_KINDS.indexOf(kind),
      time,
      price,
      categories.id(category),
      segment === null ? -1 : segments.id(segment),
    );
  };

  return new Promise((resolve, reject) => {
    // Every line break becomes a LF first (csv.ts), so mixed endings split rows where an editor does.
    const text = typeof input === 'string' ? toLf(input) : new LfTextStream(input);
    Papa.parse<string[]>(text as unknown as string, {
      header: false,
      skipEmptyLines: false,
      newline: '\n',
      delimiter: ',',
      // Chunks of a File are read one after another; a string is parsed at once.
      chunkSize: 1 << 20,
      step: (result, parser) => row(result.data, parser, result.meta.cursor),
      complete: () => {
        if (failure) return reject(failure);
        if (!header) return reject(new LogError('the file is empty: it has no header row'));
        const n = cols.n;
        const withShows = (header as { where: Where }).where.decision !== undefined;
        resolve({
          summary: {
            rows,
            accepted: n,
            refused,
            problems,
            users: users.list.length,
            items: items.list.length,
            categories: categories.list.length,
            segments: segments.list.length,
            events,
            from: Number.isFinite(from) ? from : null,
            to: Number.isFinite(to) ? to : null,
            priceMin: Number.isFinite(priceMin) ? priceMin : null,
            priceMax: Number.isFinite(priceMax) ? priceMax : null,
            ignoredColumns: (header as { ignored: string[] }).ignored,
            truncated,
            ...(withShows && { decisions: decisions.list.length, propensities }),
          },
          userIds: users.list,
          itemIds: items.list,
          categoryNames: categories.list,
          segmentNames: segments.list,
          user: cols.user.slice(0, n),
          item: cols.item.slice(0, n),
          event: cols.event.slice(0, n),
          time: cols.time.slice(0, n),
          price: cols.price.slice(0, n),
          category: cols.category.slice(0, n),
          segment: cols.segment.slice(0, n),
          ...(withShows && {
            shows: {
              ids: decisions.list,
              decision: Int32Array.from(shows.decision),
              position: Int32Array.from(shows.position),
              propensity: Float64Array.from(shows.propensity),
            },
          }),
        });
      },
      error: (e: Error) => reject(new LogError(`the file could not be read: ${e.message}`)),
    });
  });
}
