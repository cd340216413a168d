import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LogError,
  parseInteractionLog,
  parsePrice,
  parseTime,
} from '../../../src/core/data/interaction-log';
import { shopperFeatures } from '../../../src/core/data/shopper-features';
import { simulatedLogCsv } from '../../../src/core/rl/sim/simulated-log';

const HEADER = 'user_id,item_id,event,timestamp,price,category';

describe('interaction log import', () => {
  it('reads a good log: any column order, extra columns, BOM, CRLF, synonyms, both time forms', async () => {
    const csv =
      '\uFEFFEvent,User_ID,item_id,session,timestamp,price,category\r\n' +
      'view,u1,i1,s1,2026-01-05T10:00:00Z,19.99,shoes\r\n' +
      'Click,u1,i1,s1,1767607260,19.99,shoes\r\n' + // Unix seconds
      'add_to_cart,u1,i1,s1,1767607320000,19.99,shoes\r\n' + // Unix ms
      'buy,u2,i2,s2,2026-01-05 10:03:00,5,\r\n' +
      '\r\n' +
      'impression,u2,i3,s2,2026-01-05T10:04:00+01:00,,hats\r\n';
    const log = await parseInteractionLog(csv);
    const s = log.summary;
    expect([s.rows, s.accepted, s.refused]).toEqual([5, 5, 0]);
    expect(s.events).toEqual({ view: 2, click: 1, cart: 1, purchase: 1 });
    expect([s.users, s.items, s.categories]).toEqual([2, 3, 3]);
    expect(log.categoryNames).toEqual(['shoes', 'unknown', 'hats']);
    expect(s.ignoredColumns).toEqual(['session']);
    expect([s.priceMin, s.priceMax]).toEqual([5, 19.99]);
    expect(Number.isNaN(log.price[4]!)).toBe(true); // an empty price is unknown
    expect(Array.from(log.time.slice(0, 3))).toEqual([
      Date.parse('2026-01-05T10:00:00Z'),
      1767607260000,
      1767607320000,
    ]);
    expect(s.from).toBe(Date.parse('2026-01-05T09:04:00Z'));
    expect(Array.from(log.event)).toEqual([0, 1, 2, 3, 0]);
  });

  it('reads what a recommender showed: decisions, slots and propensities, each checked', async () => {
    const csv = [
      'user_id,item_id,event,decision,position,propensity',
      'u1,i1,view,d1,0,0.25',
      'u1,i2,view,d1,1,0.5',
      'u1,i1,click,d1,,',
      'u2,i3,view,d2,0,1',
      'u2,i3,purchase,,,',
      'u3,i1,view,d3,0,0', // a probability of 0 was never shown
      'u3,i1,view,d3,0,1.5',
      'u3,i1,view,d3,100,0.5',
      'u3,i1,view,d3,x,0.5',
      'u3,i1,view,,0,0.5', // a slot of no decision
      'u3,i1,view,d3,0,abc',
    ].join('\n');
    const log = await parseInteractionLog(csv);
    expect(log.summary.accepted).toBe(5);
    expect(log.summary.decisions).toBe(2);
    expect(log.summary.propensities).toBe(3);
    expect(log.shows?.ids).toEqual(['d1', 'd2']);
    expect(Array.from(log.shows!.decision)).toEqual([0, 0, 0, 1, -1]);
    expect(Array.from(log.shows!.position)).toEqual([0, 1, -1, 0, -1]);
    expect(Array.from(log.shows!.propensity)).toEqual([0.25, 0.5, NaN, 1, NaN]);
    expect(log.summary.problems.map((p) => [p.line, p.reason])).toEqual([
      [7, 'has the propensity “0”; expected a probability above 0 and at most 1'],
      [8, 'has the propensity “1.5”; expected a probability above 0 and at most 1'],
      [9, 'has the position “100”; expected a slot 0 to 99'],
      [10, 'has the position “x”; expected a slot 0 to 99'],
      [11, 'has a position or propensity but no decision'],
      [12, 'has the propensity “abc”; expected a probability above 0 and at most 1'],
    ]);
    // Without a decision column there is nothing of the kind, and a propensity alone is refused.
    const plain = await parseInteractionLog('user_id,item_id,event\nu1,i1,view\n');
    expect(plain.shows).toBeUndefined();
    expect(plain.summary.decisions).toBeUndefined();
    await expect(
      parseInteractionLog('user_id,item_id,event,propensity\nu1,i1,view,0.5\n'),
    ).rejects.toThrow(/propensity column but no decision column/);
  });

  it('reports every bad row with its line and reason, counting lines inside quoted fields', async () => {
    const csv = [
      HEADER,
      'u1,i1,view,2026-01-01T00:00:00Z,1,a', // line 2: fine
      'u1,"item with a',
      'line break",click,2026-01-01T00:01:00Z,1,a', // lines 3-4: fine
      ',i1,view,2026-01-01T00:00:00Z,1,a', // 5
      'u1,i1,like,2026-01-01T00:00:00Z,1,a', // 6
      'u1,i1,view,yesterday,1,a', // 7
      'u1,i1,view,2026-01-01T00:00:00Z,-3,a', // 8
      'u1,i1,view,2026-01-01T00:00:00Z,1', // 9
      '', // 10: empty, skipped
      `u1,i1,view,2026-01-01T00:00:00Z,1,${'x'.repeat(101)}`, // 11
      'u1,i1,__proto__,2026-01-01T00:00:00Z,1,a', // 12
    ].join('\n');
    const { summary: s } = await parseInteractionLog(csv);
    expect([s.rows, s.accepted, s.refused]).toEqual([9, 2, 7]);
    expect(s.problems).toEqual([
      { line: 5, reason: 'has no user_id' },
      { line: 6, reason: 'has the event “like”; expected view, click, cart or purchase' },
      { line: 7, reason: 'has the timestamp “yesterday”; expected ISO 8601 or Unix time' },
      { line: 8, reason: 'has the price “-3”; expected a number ≥ 0 like 19.99' },
      { line: 9, reason: 'has 5 fields; the header has 6' },
      { line: 11, reason: 'category is over 100 characters' },
      {
        line: 12,
        reason: 'has the event “__proto__”; expected view, click, cart or purchase',
      },
    ]);
  });

  it('refuses files that are not logs, with the reason', async () => {
    await expect(parseInteractionLog('')).rejects.toThrow(/empty/);
    await expect(parseInteractionLog('\n\n')).rejects.toThrow(/empty/);
    await expect(parseInteractionLog('name,age\nbob,3')).rejects.toThrow(
      /no user_id, item_id, event columns \(it has: name, age\)/,
    );
    await expect(parseInteractionLog('user_id,item_id,event,event\n')).rejects.toThrow(
      /names “event” twice/,
    );
    await expect(parseInteractionLog('user_id,item_id\n')).rejects.toBeInstanceOf(LogError);
  });

  it('reads a large log, keeps ids as plain text, and stops at the row limit', async () => {
    const lines = [HEADER];
    for (let r = 0; r < 100_000; r++)
      lines.push(
        `${r % 7 === 0 ? '__proto__' : `user${r % 1000}`},item${r % 300},${['view', 'click', 'cart', 'purchase'][r % 4]},${1_700_000_000 + r},${(r % 50) + 0.5},cat${r % 12}`,
      );
    const csv = lines.join('\n');
    const progress: [number, number][] = [];
    const log = await parseInteractionLog(csv, {
      onProgress: (rows, read) => progress.push([rows, read]),
    });
    expect(log.summary.accepted).toBe(100_000);
    // Progress every 10,000 rows (the text comes in 1 MB chunks, as a file does), each at where that row ends.
    expect(progress.map(([rows]) => rows)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i + 1) * 10_000),
    );
    for (const [rows, read] of progress)
      expect(read).toBe(lines.slice(0, rows + 1).join('\n').length + (rows < 100_000 ? 1 : 0));
    expect(log.userIds).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(log.summary.items).toBe(300);
    expect(log.summary.categories).toBe(12);
    const capped = await parseInteractionLog(csv, { maxRows: 1000 });
    expect(capped.summary.accepted).toBe(1000);
    expect(capped.summary.truncated).toMatch(/stopped after 1,000 rows/);
  });

  it('never fails on arbitrary input with anything but a LogError, and its counts add up', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('view', 'click', 'buy', '__proto__', '"', '""', '\n', '1e999', '-0', 'NaN'),
    );
    const file = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(fc.array(cell, { maxLength: 8 }), { maxLength: 30 })
        .map((rows) => [HEADER, ...rows.map((r) => r.join(','))].join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(file, async (text) => {
        try {
          const { summary: s } = await parseInteractionLog(text, { maxListed: 1000 });
          expect(s.accepted + s.refused).toBe(s.rows);
          expect(s.problems.length).toBe(s.refused);
          for (const p of s.problems) expect(p.line).toBeGreaterThan(1);
        } catch (e) {
          expect(e).toBeInstanceOf(LogError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parses times and prices strictly', () => {
    expect(parseTime('2026-03-01')).toBe(Date.parse('2026-03-01'));
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTime('12')).toBeNull();
    expect(parseTime('2026-13-45')).toBeNull();
    expect(parsePrice('0')).toBe(0);
    expect(parsePrice('1e3')).toBeNull();
    expect(parsePrice('Infinity')).toBeNull();
    expect(parsePrice(' ')).toBeNaN();
    // Dates and times that do not exist, which Date.parse moves to the next month or day.
    expect(parseTime('2024-02-29')).toBe(Date.parse('2024-02-29'));
    expect(parseTime('2024-02-30')).toBeNull();
    expect(parseTime('2023-02-29')).toBeNull();
    expect(parseTime('2026-04-31T10:00:00Z')).toBeNull();
    expect(parseTime('2026-04-30T24:00:00Z')).toBeNull();
    expect(parseTime('2026-04-30T23:60Z')).toBeNull();
    expect(parseTime('2026-04-30T23:59:59.5Z')).toBe(Date.parse('2026-04-30T23:59:59.5Z'));
    // A float32 price column holds up to 3.4e38; more would be stored as Infinity.
    expect(parsePrice('340282346638528859811704183484516925440')).toBe(3.4028234663852886e38);
    expect(parsePrice('350000000000000000000000000000000000000')).toBeNull();
  });

  const ROWS = ['u1,i1,view', 'u2,"i\r2",click', 'u3,i3,like', 'u4,i4,cart', 'u5,i5,buy'];
  /** Each ending's log: the refused row is line 5 (the quoted break makes row 2 two lines). */
  const endings: [string, string][] = [
    ['LF', ['user_id,item_id,event', ...ROWS].join('\n')],
    ['CRLF', ['user_id,item_id,event', ...ROWS].join('\r\n')],
    ['CR', ['user_id,item_id,event', ...ROWS].join('\r')],
    [
      'mixed',
      `user_id,item_id,event\r\n${ROWS[0]}\n${ROWS[1]}\r${ROWS[2]}\r\n${ROWS[3]}\r${ROWS[4]}\n`,
    ],
  ];
  /** A Blob-like whose stream gives these exact chunks (where a CRLF may be cut in two). */
  const chunked = (...parts: string[]) =>
    ({
      stream: () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            for (const p of parts) c.enqueue(new TextEncoder().encode(p));
            c.close();
          },
        }),
    }) as unknown as Blob;

  it('counts lines right with LF, CRLF, CR and mixed endings, from text and from a file', async () => {
    for (const [name, text] of endings) {
      for (const input of [text, new Blob([text]), chunked(...text.split(/(?<=\r)/))]) {
        const { summary: s, itemIds } = await parseInteractionLog(input);
        expect([name, s.rows, s.accepted, s.refused]).toEqual([name, 5, 4, 1]);
        expect(s.problems).toEqual([
          { line: 5, reason: 'has the event “like”; expected view, click, cart or purchase' },
        ]);
        expect(itemIds).toEqual(['i1', 'i\n2', 'i4', 'i5']);
      }
    }
  });

  it('keeps its messages short, whatever the header', async () => {
    const wide = Array.from({ length: 1_000_000 }, (_, i) => `column_${i}`).join(',');
    const error = await parseInteractionLog(`${wide}\nx`).catch((e: Error) => e);
    expect(error).toBeInstanceOf(LogError);
    expect((error as Error).message.length).toBeLessThan(1000);
    expect((error as Error).message).toMatch(/column_19 and 999,980 more/);
    const { summary } = await parseInteractionLog(`user_id,item_id,event,${wide}\n`);
    expect(summary.ignoredColumns).toHaveLength(20);
  });
});

describe('the simulated log', () => {
  it('is a log the importer reads whole, with the funnel in order and the same file from the same seed', async () => {
    const csv = simulatedLogCsv({ shop: 'fashion', sessions: 40, seed: 3 });
    expect(simulatedLogCsv({ shop: 'fashion', sessions: 40, seed: 3 })).toBe(csv);
    const log = await parseInteractionLog(csv);
    const s = log.summary;
    expect(s.refused).toBe(0);
    expect(s.ignoredColumns).toEqual([]);
    expect(s.segments).toBe(3);
    expect(s.users).toBe(40);
    expect(s.events.view).toBeGreaterThan(s.events.click);
    expect(s.events.click).toBeGreaterThanOrEqual(s.events.cart);
    expect(s.events.cart).toBeGreaterThanOrEqual(s.events.purchase);
    expect(s.events.click).toBeGreaterThan(0);
    expect(s.to! - s.from!).toBeGreaterThan(40 * 60_000); // sessions minutes apart
    const f = shopperFeatures(log);
    expect(f.users).toBe(40);
    expect(f.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Each simulated shopper has one segment, named on every row: the label is that one.
    const named = new Map<string, string>();
    for (const line of csv.trim().split('\n').slice(1)) {
      const cells = line.split(',');
      named.set(cells[0]!, cells[6]!);
    }
    expect(f.segments!.names.slice().sort()).toEqual([
      'bargain hunters',
      'premium',
      'trend followers',
    ]);
    log.userIds.forEach((u, i) =>
      expect(f.segments!.names[f.segments!.labels[i]!]).toBe(named.get(u)),
    );
  });
});

describe('shopper features', () => {
  it('of the shipped sample log all lie in [0, 1], price band included', async () => {
    const { readFileSync } = await import('node:fs');
    const log = await parseInteractionLog(
      readFileSync('public/data/logs/sample-interactions.csv', 'utf8'),
    );
    const f = shopperFeatures(log);
    expect(f.users).toBe(300);
    const outside = Array.from(f.values).filter((v) => !(v >= 0 && v <= 1));
    expect(outside).toEqual([]);
  });

  it('label each shopper with the segment most of their rows name, when there are 2 to 12', async () => {
    const header = 'user_id,item_id,event,segment';
    const read = async (rows: string[]) =>
      shopperFeatures(await parseInteractionLog([header, ...rows].join('\n'))).segments;
    const s = await read([
      'a,1,view,new',
      'a,2,view,loyal',
      'a,3,view,loyal',
      'b,1,view,new',
      'c,1,view,',
    ]);
    expect(s!.names).toEqual(['new', 'loyal', 'unknown']);
    expect(Array.from(s!.labels)).toEqual([1, 0, 2]);
    expect(await read(['a,1,view,new', 'b,1,view,new'])).toBeNull(); // one segment says nothing
    const many = Array.from({ length: 13 }, (_, i) => `u${i},1,view,s${i}`);
    expect(await read(many)).toBeNull();
    const log = await parseInteractionLog('user_id,item_id,event\na,1,view');
    expect(shopperFeatures(log).segments).toBeNull();
    expect(log.summary.segments).toBe(0);
    expect(Array.from(log.segment)).toEqual([-1]);
  });

  it('computes shares, price band, activity and rates as documented', async () => {
    const csv = [
      HEADER,
      'a,1,view,1700000000,10,shoes',
      'a,1,click,1700000001,10,shoes',
      'a,2,view,1700000002,100,hats',
      'a,1,purchase,1700000003,10,shoes',
      'b,3,view,1700000004,1000,bags',
      'b,3,view,1700000005,1000,bags',
    ].join('\n');
    const log = await parseInteractionLog(csv);
    const f = shopperFeatures(log, 2);
    expect(f.names).toEqual([
      'share: shoes',
      'share: bags',
      'share: other',
      'price band',
      'activity',
      'click rate',
      'cart rate',
      'purchase rate',
    ]);
    const row = (u: number) => Array.from(f.values.subarray(u * 8, u * 8 + 8));
    const close = (xs: number[], ys: number[]) =>
      xs.forEach((x, i) => expect(x).toBeCloseTo(ys[i]!, 6));
    // a: 3 shoes events, 1 hat (other); engaged prices are 10 and 10 (log 10 of log 10..log 1000 → 0).
    close(row(0), [0.75, 0, 0.25, 0, 1, 0.5, 0, 1]);
    // b: only views, at 1000 (the top of the range); 2 events of a log(1 + 4) scale.
    close(row(1), [0, 1, 0, 1, Math.log(3) / Math.log(5), 0, 0, 0]);
    for (const v of f.values) expect(v >= 0 && v <= 1).toBe(true);
  });
});
