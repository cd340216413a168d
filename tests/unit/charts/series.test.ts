import { describe, expect, it } from 'vitest';
import { downsample, smooth, yExtent, type Point } from '../../../src/charts/series';

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
});
