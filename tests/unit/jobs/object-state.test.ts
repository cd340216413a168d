import { describe, expect, it } from 'vitest';
import { captureObjectState, restoreObjectState } from '../../../src/core/jobs/object-state';
import { createRandom } from '../../../src/core/random';
import type { Json } from '../../../src/core/store/schema';

class Counter {
  count = 0;
  readonly table = new Float64Array([0.1, Math.PI, -0]);
  bytes = new Uint8Array([1, 2, 3]); // not a multiple of 4 bytes
  best = -Infinity;
  seen: { item: number; tags: string[] }[] = [];
  pending: { step: number } | null = null;
  readonly rng = createRandom(5);
  readonly shared = { big: new Float32Array(4) };
  label = () => 'behaviour, not state';
}

const keepAll = () => false;

describe('object state', () => {
  it('puts every field back bit for bit, random streams included', () => {
    const a = new Counter();
    a.count = 7;
    a.table.set([1 / 3, Number.MIN_VALUE, NaN]);
    a.bytes = new Uint8Array([9, 8, 7, 6, 5]);
    a.best = 2.5;
    a.seen = [
      { item: 4, tags: ['x'] },
      { item: 9, tags: [] },
    ];
    a.pending = { step: 3 };
    a.rng.next();
    const state = captureObjectState(a, keepAll);
    const copy = JSON.parse(JSON.stringify(state.tree)) as typeof state.tree; // it travels as JSON
    const b = new Counter();
    const table = b.table;
    restoreObjectState(b, { tree: copy, arrays: state.arrays }, keepAll);
    expect(b.table).toBe(table); // refilled in place
    expect(Array.from(b.table)).toEqual([1 / 3, Number.MIN_VALUE, NaN]);
    expect(Array.from(b.bytes)).toEqual([9, 8, 7, 6, 5]);
    expect([b.count, b.best, b.pending, b.seen]).toEqual([7, 2.5, { step: 3 }, a.seen]);
    expect(b.rng.next()).toBe(a.rng.next());
    expect(b.label()).toBe('behaviour, not state');
    const c = new Counter();
    c.best = 1;
    restoreObjectState(c, captureObjectState(new Counter(), keepAll), keepAll);
    expect(c.best).toBe(-Infinity);
  });

  it('leaves out what the caller skips, and refuses data it cannot carry', () => {
    const a = new Counter();
    a.shared.big.fill(3);
    const state = captureObjectState(a, (_v, key) => key === 'shared');
    expect(state.arrays.some((t) => t.data.length === 4)).toBe(false);
    const b = new Counter();
    restoreObjectState(b, state, (_v, key) => key === 'shared');
    expect(Array.from(b.shared.big)).toEqual([0, 0, 0, 0]);
    expect(() => captureObjectState({ cache: new Map() }, keepAll)).toThrow(/Map is not plain/);
    expect(() =>
      restoreObjectState(
        b,
        { tree: { table: { $ta: 'Float64Array', n: 3, i: 9 } }, arrays: [] },
        keepAll,
      ),
    ).toThrow(/missing/);
    // A state from a file may not add fields to the job's objects or reach a prototype.
    expect(() => restoreObjectState(b, { tree: { isAdmin: true }, arrays: [] }, keepAll)).toThrow(
      /isAdmin is not part of this job/,
    );
    const hostile = JSON.parse('{"pending": {"__proto__": {"polluted": 1}}}') as Json;
    expect(() => restoreObjectState(b, { tree: hostile, arrays: [] }, keepAll)).toThrow(
      /__proto__/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
