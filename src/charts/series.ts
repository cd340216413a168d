/** Pure helpers for the charts: no DOM, table-tested in node. */

export interface Point {
  x: number;
  y: number;
}

/**
 * Exponential moving average with bias correction (as TensorBoard's smoothing):
 * weight 0 returns the input, weights near 1 smooth heavily.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError('weight must be in [0, 1)');
  const out: Point[] = [];
  let avg = 0;
  let n = 0;
  for (const p of points) {
    if (!Number.isFinite(p.y)) continue;
    n++;
    avg = avg * weight + (1 - weight) * p.y;
    out.push({ x: p.x, y: avg / (1 - weight ** n) });
  }
  return out;
}

/** Points a live curve keeps; past this the history is thinned to half, keeping its shape. */
export const MAX_HISTORY = 20_000;

/** `history` with `added` appended, thinned (downsample) once it holds more than `max` points. */
export function appendCapped(
  history: readonly Point[],
  added: readonly Point[],
  max = MAX_HISTORY,
): Point[] {
  const all = history.concat(added);
  return all.length > max ? downsample(all, max / 2) : all;
}

/**
 * Column `k` of per-step values laid out `perStep` to a step, as points;
 * the first value belongs to step `firstStep + 1`.
 */
export function stepColumn(
  values: ArrayLike<number>,
  perStep: number,
  k: number,
  firstStep: number,
): Point[] {
  const n = Math.floor(values.length / perStep);
  return Array.from({ length: n }, (_, i) => ({
    x: firstStep + i + 1,
    y: values[i * perStep + k]!,
  }));
}

/**
 * At most `max` points that keep the shape of a long series: the series is cut
 * into buckets and each keeps its lowest and highest point, in x order.
 */
export function downsample(points: readonly Point[], max: number): Point[] {
  if (max < 2) throw new RangeError('max must be at least 2');
  if (points.length <= max) return points.slice();
  const buckets = Math.floor(max / 2);
  const size = points.length / buckets;
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    let lo = points[start]!;
    let hi = lo;
    for (let i = start + 1; i < end; i++) {
      const p = points[i]!;
      if (p.y < lo.y) lo = p;
      if (p.y > hi.y) hi = p;
    }
    if (lo === hi) out.push(lo);
    else if (lo.x < hi.x) out.push(lo, hi);
    else out.push(hi, lo);
  }
  return out;
}

/** [min, max] of y over all series, padded by 5%; [0, 1] when there is nothing finite. */
export function yExtent(series: readonly (readonly Point[])[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s) {
      if (!Number.isFinite(p.y)) continue;
      if (p.y < lo) lo = p.y;
      if (p.y > hi) hi = p.y;
    }
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** A curve as saved with a session: its x and y as two columns. */
export interface Columns {
  x: number[];
  y: number[];
}

/** Chart points as columns, to save. */
export function toColumns(points: readonly Point[]): Columns {
  return { x: points.map((p) => p.x), y: points.map((p) => p.y) };
}

/** A saved curve back as chart points; none when it is missing. */
export function fromColumns(c: Columns | undefined): Point[] {
  return c ? c.x.map((x, i) => ({ x, y: c.y[i]! })) : [];
}
