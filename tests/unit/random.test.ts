import { describe, expect, it } from 'vitest';
import { createRandom, permutation, restoreRandom } from '../../src/core/random';

describe('seeded random source', () => {
  it('replays the same stream for the same seed and differs for another', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it('word() gives the words seed32() would, as signed 32-bit integers', () => {
    const a = createRandom(12);
    const b = createRandom(12);
    let negative = 0;
    for (let k = 0; k < 1000; k++) {
      const w = a.word();
      expect(Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 31).toBe(true);
      expect(w >>> 0).toBe(b.seed32());
      if (w < 0) negative++;
    }
    expect(negative).toBeGreaterThan(400);
    expect(negative).toBeLessThan(600);
  });

  it('continues exactly from a saved state', () => {
    const r = createRandom(7);
    for (let i = 0; i < 100; i++) r.next();
    const saved = r.state();
    const expected = Array.from({ length: 10 }, () => r.int(1000));
    const resumed = restoreRandom(saved);
    expect(Array.from({ length: 10 }, () => resumed.int(1000))).toEqual(expected);
  });

  it('draws floats in [0, 1) with mean near 1/2 and normals with mean 0, variance 1', () => {
    const r = createRandom(1);
    const n = 20_000;
    let sum = 0;
    let nsum = 0;
    let nsq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const z = r.normal();
      nsum += z;
      nsq += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(nsum / n).toBeCloseTo(0, 1);
    expect(nsq / n).toBeCloseTo(1, 1);
  });

  it('int() covers its whole range and rejects bad bounds', () => {
    const r = createRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
    expect(() => createRandom(1.5)).toThrow(RangeError);
  });

  it('permutation() is a permutation', () => {
    const p = permutation(1000, createRandom(9));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p.slice(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
