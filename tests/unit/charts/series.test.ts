import { describe, expect, it } from 'vitest';
import {
  appendCapped,
  downsample,
  smooth,
  stepColumn,
  yExtent,
  type Point,
} from '../../../src/charts/series';

const pts = (ys: number[]): Point[] => ys.map((y, x) => ({ x, y }));

describe('chart series helpers', () => {
  it('smooth(0) is the identity and a constant stays constant at any weight', () => {
    expect(smooth(pts([3, 1, 4]), 0)).toEqual(pts([3, 1, 4]));
    for (const p of smooth(pts([2, 2, 2, 2]), 0.9)) expect(p.y).toBeCloseTo(2, 10);
  });

  it('smooth() lags a step change and skips non-finite values', () => {
    const s = smooth(pts([0, 0, 10, 10]), 0.5);
    expect(s[2]!.y).toBeGreaterThan(0);
    expect(s[2]!.y).toBeLessThan(10);
    expect(smooth(pts([1, NaN, 1]), 0.5)).toHaveLength(2);
    expect(() => smooth([], 1)).toThrow(RangeError);
  });

  it('downsample() keeps at most max points, in order, with the extremes', () => {
    const ys = Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 100));
    ys[5000] = 50;
    const d = downsample(pts(ys), 200);
    expect(d.length).toBeLessThanOrEqual(200);
    expect(d.some((p) => p.y === 50)).toBe(true);
    for (let i = 1; i < d.length; i++) expect(d[i]!.x).toBeGreaterThan(d[i - 1]!.x);
    expect(downsample(pts([1, 2]), 10)).toEqual(pts([1, 2]));
  });

  it('yExtent() pads the range and copes with empty and flat data', () => {
    expect(yExtent([pts([0, 10])])).toEqual([-0.5, 10.5]);
    expect(yExtent([])).toEqual([0, 1]);
    expect(yExtent([pts([3, 3])])).toEqual([2.5, 3.5]);
  });

  it('stepColumn() reads one value per step from interleaved stats, numbered from the step after firstStep', () => {
    const stats = [10, 20, 11, 21, 12, 22];
    expect(stepColumn(stats, 2, 0, 100)).toEqual([
      { x: 101, y: 10 },
      { x: 102, y: 11 },
      { x: 103, y: 12 },
    ]);
    expect(stepColumn(stats, 2, 1, 0).map((p) => p.y)).toEqual([20, 21, 22]);
    expect(stepColumn([], 4, 0, 7)).toEqual([]);
  });

  it('appendCapped() appends, and thins a history past its cap, keeping its extremes in order', () => {
    expect(appendCapped(pts([1, 2]), [{ x: 2, y: 3 }], 10)).toEqual(pts([1, 2, 3]));
    const history = pts(Array.from({ length: 40 }, (_, i) => i % 7));
    const long = appendCapped(history, [{ x: 40, y: 100 }], 20);
    expect(long.length).toBeLessThanOrEqual(10);
    expect(long.map((p) => p.x)).toEqual([...long.map((p) => p.x)].sort((a, b) => a - b));
    expect(long).toContainEqual({ x: 40, y: 100 }); // the new extreme survives the thinning
  });
});
