/**
 * 2D toy distributions for the toy GAN: a ring of 8 Gaussians, a 5 x 5 grid
 * of Gaussians, two moons, a spiral, and points the user drew. All live in
 * the square TOY_EXTENT x TOY_EXTENT that the toy view draws.
 */
import type { Random } from '../random';

/** 2D data the toy GAN learns. */
export type ToyDistributionKind = 'ring' | 'grid' | 'moons' | 'spiral' | 'drawn';

/** The view and the data span [-TOY_EXTENT, TOY_EXTENT] on both axes. */
export const TOY_EXTENT = 2.5;

const RING_RADIUS = 1.6;
const RING_SIGMA = 0.07;
const GRID_STEP = 0.9;
const GRID_SIGMA = 0.05;
const DRAWN_SIGMA = 0.06;

/** Centres and spread of the distributions made of separate Gaussian modes; null for the others. */
export function toyModes(kind: ToyDistributionKind): { centres: number[]; sigma: number } | null {
  if (kind === 'ring') {
    const centres: number[] = [];
    for (let k = 0; k < 8; k++) {
      const a = (2 * Math.PI * k) / 8;
      centres.push(RING_RADIUS * Math.cos(a), RING_RADIUS * Math.sin(a));
    }
    return { centres, sigma: RING_SIGMA };
  }
  if (kind === 'grid') {
    const centres: number[] = [];
    for (let i = -2; i <= 2; i++)
      for (let j = -2; j <= 2; j++) centres.push(i * GRID_STEP, j * GRID_STEP);
    return { centres, sigma: GRID_SIGMA };
  }
  return null;
}

/** Draws `n` points (flat x, y pairs) from a toy distribution. `drawn` holds the user's points for 'drawn'. */
export function sampleToy(
  kind: ToyDistributionKind,
  n: number,
  rng: Random,
  drawn: readonly number[] = [],
): Float32Array {
  const out = new Float32Array(2 * n);
  const modes = toyModes(kind);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (modes) {
      const k = rng.int(modes.centres.length / 2);
      x = modes.centres[2 * k]! + modes.sigma * rng.normal();
      y = modes.centres[2 * k + 1]! + modes.sigma * rng.normal();
    } else if (kind === 'moons') {
      const t = Math.PI * rng.next();
      const upper = rng.next() < 0.5;
      // The classic two interleaved half circles, centred and scaled to the view.
      const mx = upper ? Math.cos(t) : 1 - Math.cos(t);
      const my = upper ? Math.sin(t) : 0.5 - Math.sin(t);
      x = 1.3 * (mx - 0.5) + 0.06 * rng.normal();
      y = 1.3 * (my - 0.25) + 0.06 * rng.normal();
    } else if (kind === 'spiral') {
      const t = Math.sqrt(rng.next());
      const a = 3.5 * Math.PI * t;
      x = 2 * t * Math.cos(a) + 0.05 * rng.normal();
      y = 2 * t * Math.sin(a) + 0.05 * rng.normal();
    } else {
      const count = drawn.length / 2;
      if (count < 1) throw new RangeError('draw some points first');
      const k = rng.int(count);
      x = drawn[2 * k]! + DRAWN_SIGMA * rng.normal();
      y = drawn[2 * k + 1]! + DRAWN_SIGMA * rng.normal();
    }
    out[2 * i] = Math.max(-TOY_EXTENT, Math.min(TOY_EXTENT, x));
    out[2 * i + 1] = Math.max(-TOY_EXTENT, Math.min(TOY_EXTENT, y));
  }
  return out;
}

/**
 * How well points cover a mode distribution: a mode is hit when at least
 * `minShare` of the points lie within 4 sigma of it; `quality` is the share
 * of points that lie within 4 sigma of some mode.
 */
export function modeCoverage(
  points: ArrayLike<number>,
  modes: { centres: readonly number[]; sigma: number },
  minShare = 0.01,
): { hit: number; total: number; quality: number } {
  const n = points.length / 2;
  const total = modes.centres.length / 2;
  const r2 = (4 * modes.sigma) ** 2;
  const counts = new Array<number>(total).fill(0);
  let near = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    for (let k = 0; k < total; k++) {
      const dx = x - modes.centres[2 * k]!;
      const dy = y - modes.centres[2 * k + 1]!;
      if (dx * dx + dy * dy <= r2) {
        counts[k]!++;
        near++;
        break;
      }
    }
  }
  const hit = counts.filter((c) => n > 0 && c / n >= minShare).length;
  return { hit, total, quality: n > 0 ? near / n : 0 };
}
