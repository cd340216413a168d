import { describe, expect, it } from 'vitest';
import {
  featureStats,
  frechetDistance,
  symmetricEigen,
  type FeatureStats,
} from '../../../src/core/data/stats';
import { classHistogram, inceptionScore } from '../../../src/core/gan/metrics';
import { createRandom } from '../../../src/core/random';

function stats(mean: number[], cov: number[][]): FeatureStats {
  return { dim: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

describe('inception score', () => {
  it('is the number of classes for confident, balanced predictions', () => {
    const probs = Array.from({ length: 10 * 10 }, (_, i) => (i % 11 === 0 ? 1 : 0));
    expect(inceptionScore(probs, 10, 10)).toBeCloseTo(10, 6);
  });

  it('is 1 for uniform predictions and for one confident class', () => {
    expect(inceptionScore(new Array(40).fill(0.25), 10, 4)).toBeCloseTo(1, 9);
    const collapsed = Array.from({ length: 20 * 4 }, (_, i) => (i % 4 === 2 ? 1 : 0));
    expect(inceptionScore(collapsed, 20, 4)).toBeCloseTo(1, 9);
  });

  it('matches a hand computation for two samples', () => {
    // p1 = (0.9, 0.1), p2 = (0.2, 0.8); marginal (0.55, 0.45).
    const kl = (p: number[]) => p[0]! * Math.log(p[0]! / 0.55) + p[1]! * Math.log(p[1]! / 0.45);
    const expected = Math.exp((kl([0.9, 0.1]) + kl([0.2, 0.8])) / 2);
    expect(inceptionScore([0.9, 0.1, 0.2, 0.8], 2, 2)).toBeCloseTo(expected, 9);
  });

  it('counts argmax classes', () => {
    expect(classHistogram([0.1, 0.9, 0.7, 0.3, 0.2, 0.8], 3, 2)).toEqual([1, 2]);
  });
});

describe('Fréchet distance', () => {
  it('is |m1 - m2|^2 for equal covariances', () => {
    const a = stats(
      [0, 0],
      [
        [1, 0.3],
        [0.3, 2],
      ],
    );
    const b = stats(
      [3, 4],
      [
        [1, 0.3],
        [0.3, 2],
      ],
    );
    expect(frechetDistance(a, b)).toBeCloseTo(25, 6);
    expect(frechetDistance(a, a)).toBeCloseTo(0, 6);
  });

  it('is sum (sqrt(a) - sqrt(b))^2 for diagonal covariances', () => {
    const a = stats(
      [0, 0, 0],
      [
        [4, 0, 0],
        [0, 9, 0],
        [0, 0, 1],
      ],
    );
    const b = stats(
      [0, 0, 0],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 16],
      ],
    );
    expect(frechetDistance(a, b)).toBeCloseTo((2 - 1) ** 2 + (3 - 1) ** 2 + (1 - 4) ** 2, 6);
  });

  it('grows with the gap between two sample sets and is symmetric', () => {
    const rng = createRandom(3);
    const sample = (shift: number) =>
      Float32Array.from({ length: 2000 * 4 }, (_, i) => rng.normal() + (i % 4 === 0 ? shift : 0));
    const base = featureStats(sample(0), 2000, 4);
    const near = featureStats(sample(0.5), 2000, 4);
    const far = featureStats(sample(2), 2000, 4);
    expect(frechetDistance(base, near)).toBeLessThan(frechetDistance(base, far));
    expect(frechetDistance(base, far)).toBeCloseTo(frechetDistance(far, base), 6);
    expect(frechetDistance(base, far)).toBeCloseTo(4, 0);
  });
});

describe('symmetric eigen-solver', () => {
  it('finds the eigenvalues of a known matrix and orthonormal vectors', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(values).sort()).toEqual([expect.closeTo(1, 9), expect.closeTo(3, 9)]);
    const dot = vectors[0]! * vectors[1]! + vectors[2]! * vectors[3]!;
    expect(dot).toBeCloseTo(0, 9);
  });

  it('reconstructs a random 8x8 covariance: V diag(L) V^T = A', () => {
    const rng = createRandom(11);
    const f = Float32Array.from({ length: 50 * 8 }, () => rng.normal());
    const { cov, dim } = featureStats(f, 50, 8);
    const { values, vectors } = symmetricEigen(cov, dim);
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++)
          s += vectors[i * dim + k]! * values[k]! * vectors[j * dim + k]!;
        expect(s).toBeCloseTo(cov[i * dim + j]!, 8);
      }
  });
});
