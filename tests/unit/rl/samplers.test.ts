import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../../../src/core/random';
import {
  betaConstants,
  exponentialZiggurat,
  gammaFast,
  normalZiggurat,
  normalsInto,
  sampleBeta,
  sampleBetaFast,
  sampleBetas,
  sampleGamma,
} from '../../../src/core/rl/distributions';

const N = 20_000;
/** Kolmogorov-Smirnov's critical distance at α = 0.001 for N draws. */
const KS_001 = 1.949 / Math.sqrt(N);

function draws(f: (rng: Random) => number, seed: number, n = N): Float64Array {
  const rng = createRandom(seed);
  return Float64Array.from({ length: n }, () => f(rng));
}

/** Mean, variance, and the sup distance between the empirical CDF and `cdf`. */
function check(xs: Float64Array, cdf: ((x: number) => number) | null) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  let ks = 0;
  if (cdf) {
    const sorted = Float64Array.from(xs).sort();
    for (let i = 0; i < n; i++) {
      const f = cdf(sorted[i]!);
      ks = Math.max(ks, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
  }
  return { mean, variance, ks };
}

/** erf by Abramowitz and Stegun 7.1.26 (error below 1.5e-7, far under the KS distance). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x < 0 ? -y : y;
}
const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

/** ln k! for k up to 2,000. */
const LOG_FACTORIAL = (() => {
  const out = new Float64Array(2001);
  for (let k = 1; k <= 2000; k++) out[k] = out[k - 1]! + Math.log(k);
  return out;
})();

/** Gamma(k, 1)'s CDF for a whole k: 1 − e^(−x) Σ_{j<k} x^j / j!. */
function gammaCdf(k: number): (x: number) => number {
  return (x) => {
    let term = 1;
    let sum = 1;
    for (let j = 1; j < k; j++) sum += term *= x / j;
    return 1 - Math.exp(-x) * sum;
  };
}

/** Beta(a, b)'s CDF for whole a, b: P(Binomial(a + b − 1, x) ≥ a). */
function betaCdf(a: number, b: number): (x: number) => number {
  const n = a + b - 1;
  return (x) => {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    let p = 0;
    for (let j = a; j <= n; j++)
      p += Math.exp(
        LOG_FACTORIAL[n]! -
          LOG_FACTORIAL[j]! -
          LOG_FACTORIAL[n - j]! +
          j * Math.log(x) +
          (n - j) * Math.log1p(-x),
      );
    return p;
  };
}

describe('the fast samplers Thompson sampling draws from', () => {
  it('normalsInto draws the ziggurat’s normals in their order, as one call each would', () => {
    const one = createRandom(12);
    const many = createRandom(12);
    const out = new Float64Array(11);
    for (let round = 0; round < 2000; round++) {
      normalsInto(many, out, round % 12);
      for (let k = 0; k < round % 12; k++) expect(out[k]).toBe(normalZiggurat(one));
    }
    expect(many.state()).toEqual(one.state());
  });

  it('ziggurat normals and exponentials have their moments and pass Kolmogorov-Smirnov', () => {
    const z = check(draws(normalZiggurat, 1), normalCdf);
    expect(Math.abs(z.mean)).toBeLessThan(4 / Math.sqrt(N));
    expect(z.variance).toBeCloseTo(1, 1);
    expect(z.ks).toBeLessThan(KS_001);
    // The tail beyond the base layer's edge (3.44) is drawn too, about 1 in 1,700.
    const tail = draws(normalZiggurat, 2, 200_000).filter((x) => Math.abs(x) > 3.442619855899);
    expect(tail.length / 200_000).toBeCloseTo(2 * (1 - normalCdf(3.442619855899)), 3);
    const e = check(draws(exponentialZiggurat, 3), (x) => 1 - Math.exp(-x));
    expect(e.mean).toBeCloseTo(1, 1);
    expect(e.variance).toBeCloseTo(1, 1);
    expect(e.ks).toBeLessThan(KS_001);
  });

  it('gammas of every shape have mean and variance k, and whole shapes pass Kolmogorov-Smirnov', () => {
    for (const [i, k] of [0.5, 1, 2.5, 7, 40].entries()) {
      const whole = Number.isInteger(k) ? gammaCdf(k) : null;
      const g = check(
        draws((rng) => gammaFast(k, rng), 10 + i),
        whole,
      );
      expect(Math.abs(g.mean - k) / Math.sqrt(k / N), `mean of Gamma(${k})`).toBeLessThan(4);
      expect(g.variance / k, `variance of Gamma(${k})`).toBeCloseTo(1, 1);
      if (whole) expect(g.ks, `KS of Gamma(${k})`).toBeLessThan(KS_001);
    }
  });

  it('betas, closed forms and gamma ratios alike, have their moments and pass Kolmogorov-Smirnov', () => {
    const cases: [number, number][] = [
      [1, 1],
      [1, 30],
      [30, 1],
      [2, 2],
      [3, 40],
      [40, 3],
      [50, 900],
      [0.5, 0.5],
    ];
    for (const [i, [a, b]] of cases.entries()) {
      const cdf =
        a === 0.5 ? (x: number) => (2 / Math.PI) * Math.asin(Math.sqrt(x)) : betaCdf(a, b);
      const s = check(
        draws((rng) => sampleBetaFast(a, b, rng), 20 + i),
        cdf,
      );
      const mean = a / (a + b);
      const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(
        Math.abs(s.mean - mean) / Math.sqrt(variance / N),
        `mean of Beta(${a}, ${b})`,
      ).toBeLessThan(4);
      expect(s.variance / variance, `variance of Beta(${a}, ${b})`).toBeCloseTo(1, 1);
      expect(s.ks, `KS of Beta(${a}, ${b})`).toBeLessThan(KS_001);
    }
    expect(() => sampleBetaFast(0, 1, createRandom(1))).toThrow(/beta parameters must be > 0/);
  });

  it('the agent’s loop, with its constants kept, draws what sampleBetaFast draws', () => {
    const alpha = Float64Array.from([1, 1, 4, 2, 9, 1, 30]);
    const beta = Float64Array.from([1, 7, 1, 2, 40, 3, 2]);
    const constants = new Float64Array(alpha.length * 4);
    alpha.forEach((a, i) => betaConstants(a, beta[i]!, constants, i * 4));
    // Arm 4's constants are another pair's (its counts moved on, or a race saved without them).
    betaConstants(2, 2, constants, 16);
    const [r1, r2] = [createRandom(5), createRandom(5)];
    for (let round = 0; round < 200; round++) {
      const out = new Float64Array(alpha.length);
      sampleBetas(alpha, beta, constants, r1, out);
      expect(Array.from(out)).toEqual(Array.from(alpha, (a, i) => sampleBetaFast(a, beta[i]!, r2)));
    }
  });

  it('the catalog’s gamma draws are those it always drew: the squeeze only skips logarithms', () => {
    // Marsaglia and Tsang without the squeeze, as the catalog drew before it.
    const withoutSqueeze = (shape: number, rng: Random): number => {
      if (shape < 1) return withoutSqueeze(shape + 1, rng) * (1 - rng.next()) ** (1 / shape);
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        let x: number;
        let v: number;
        do {
          x = rng.normal();
          v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const u = 1 - rng.next();
        if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
      }
    };
    const [r1, r2] = [createRandom(8), createRandom(8)];
    for (let i = 0; i < 20_000; i++) {
      const k = [0.5, 1, 2, 2.5, 30][i % 5]!;
      expect(sampleGamma(k, r1)).toBe(withoutSqueeze(k, r2));
    }
    const [r3, r4] = [createRandom(9), createRandom(9)];
    for (let i = 0; i < 2000; i++) {
      const x = withoutSqueeze(2, r4);
      expect(sampleBeta(2, 2, r3)).toBe(x / (x + withoutSqueeze(2, r4)));
    }
  });
});
