import { describe, expect, it } from 'vitest';
import { captureObjectState, restoreObjectState } from '../../../src/core/jobs/object-state';
import { createRandom } from '../../../src/core/random';
import { CheckpointError } from '../../../src/core/store/checkpoint';
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
    a.bytes.set([9, 8, 7]);
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
    expect(Array.from(b.bytes)).toEqual([9, 8, 7]);
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

  describe('a state from an edited file fails with the path at fault', () => {
    const saved = () => {
      const a = new Counter();
      a.table.set([1, 2, 3]);
      const { tree, arrays } = captureObjectState(a, keepAll);
      return { tree: JSON.parse(JSON.stringify(tree)) as Record<string, Json>, arrays };
    };
    const refuse = (edit: (tree: Record<string, Json>) => void, message: RegExp) => {
      const state = saved();
      edit(state.tree);
      const b = new Counter();
      const table = b.table;
      let error: unknown = null;
      try {
        restoreObjectState(b, state, keepAll);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(message);
      expect(b.table).toBe(table); // never swapped for something else
      expect(b.table).toBeInstanceOf(Float64Array);
    };
    const table = (patch: Record<string, Json>) => (t: Record<string, Json>) => {
      t.table = { ...(t.table as Record<string, Json>), ...patch };
    };

    it('a typed array kind that is an inherited key or another kind', () => {
      for (const kind of ['toString', 'hasOwnProperty', 'valueOf', 'constructor', '__proto__'])
        refuse(table({ $ta: kind }), /state\.table: ".*" is not a typed array kind/);
      refuse(
        table({ $ta: 'Float32Array' }),
        /state\.table: the job holds a Float64Array, not a Float32Array/,
      );
    });

    it('indexes and lengths that are not whole, or a length the live array does not have', () => {
      refuse(table({ i: 0.5 }), /state\.table: its array index must be a whole number/);
      refuse(table({ i: -1 }), /state\.table: its array index/);
      refuse(table({ i: 99 }), /state\.table: the saved array is missing/);
      refuse(table({ n: 2.5 }), /state\.table: its length must be a whole number/);
      refuse(table({ n: 2 }), /state\.table: 2 values saved where the job has 3/);
      refuse(table({ n: 4 }), /state\.table: its length must be a whole number 0 to 3/);
    });

    it('a list given an object, lengths and methods, and numbers that are not', () => {
      refuse((t) => (t.seen = { length: -1 }), /state\.seen: a list was expected/);
      refuse((t) => (t.seen = { push: 1 }), /state\.seen: a list was expected/);
      refuse((t) => (t.count = { $n: 'abc' }), /state\.count: not a number/);
      refuse((t) => (t.count = 'seven'), /state\.count: a string where the job has a number/);
      refuse((t) => (t.table = [1, 2, 3]), /state\.table: the job holds a typed array here/);
      refuse(
        (t) => (t.count = { $ta: 'Float64Array', n: 3, i: 0 }),
        /state\.count: the job has no typed array/,
      );
      refuse((t) => Object.assign(t, { toString: 1 }), /state\.toString is not part of this job/);
    });
  });
});
