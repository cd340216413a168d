/**
 * Statistics shared by the labs' quality measures: the mean and covariance of
 * feature rows, the eigen-decomposition of a symmetric matrix, and the
 * Fréchet distance between two Gaussians (FID for digits, fidelity for
 * shopper features). Plain TypeScript on small arrays, so it runs anywhere.
 */

/** The p-quantile of sorted values, interpolated between neighbours; NaN when there are none. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The median of `xs` (sorted in place); NaN when there are none. */
export function median(xs: number[]): number {
  const s = xs.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean and covariance (n - 1 denominator) of `n` feature rows of `dim` columns. */
export interface FeatureStats {
  dim: number;
  mean: Float64Array;
  /** dim x dim, row-major. */
  cov: Float64Array;
}

export function featureStats(features: ArrayLike<number>, n: number, dim: number): FeatureStats {
  if (n < 2 || features.length !== n * dim) throw new RangeError('need n >= 2 rows of dim values');
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += features[i * dim + j]! / n;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) centred[j] = features[i * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b]! += ca * centred[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, mean, cov };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations.
 * Our matrices are at most 64 x 64, where this converges in a handful of
 * sweeps; a linear-algebra package would add more bytes than this saves.
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  dim: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) v[i * dim + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < dim; p++) for (let q = p + 1; q < dim; q++) off += a[p * dim + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < dim; p++) {
      for (let q = p + 1; q < dim; q++) {
        const apq = a[p * dim + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * dim + q]! - a[p * dim + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < dim; k++) {
          const akp = a[k * dim + p]!;
          const akq = a[k * dim + q]!;
          a[k * dim + p] = c * akp - s * akq;
          a[k * dim + q] = s * akp + c * akq;
        }
        for (let k = 0; k < dim; k++) {
          const apk = a[p * dim + k]!;
          const aqk = a[q * dim + k]!;
          a[p * dim + k] = c * apk - s * aqk;
          a[q * dim + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < dim; k++) {
          const vkp = v[k * dim + p]!;
          const vkq = v[k * dim + q]!;
          v[k * dim + p] = c * vkp - s * vkq;
          v[k * dim + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(dim);
  for (let i = 0; i < dim; i++) values[i] = a[i * dim + i]!;
  return { values, vectors: v };
}

/** Square root of a symmetric positive semi-definite matrix (negative eigenvalues, from rounding, count as 0). */
export function sqrtPsd(m: Float64Array, dim: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, dim);
  const out = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const s = Math.sqrt(Math.max(0, values[k]!));
    if (s === 0) continue;
    for (let i = 0; i < dim; i++) {
      const vik = vectors[i * dim + k]! * s;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += vik * vectors[j * dim + k]!;
    }
  }
  return out;
}

/**
 * The Moore–Penrose pseudo-inverse of a symmetric matrix: Σ v vᵀ / λ over
 * the eigenvalues above `tolerance` times the largest in size.
 */
export function symmetricPinv(m: ArrayLike<number>, dim: number, tolerance = 1e-10): Float64Array {
  const { values, vectors } = symmetricEigen(m, dim);
  const top = values.reduce((t, v) => Math.max(t, Math.abs(v)), 0);
  const out = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const lambda = values[k]!;
    if (!(Math.abs(lambda) > tolerance * top)) continue;
    for (let i = 0; i < dim; i++) {
      const vik = vectors[i * dim + k]! / lambda;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += vik * vectors[j * dim + k]!;
    }
  }
  return out;
}

function matmul(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++)
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j]! += aik * b[k * dim + j]!;
    }
  return out;
}

/**
 * Fréchet distance between N(m1, S1) and N(m2, S2):
 *   |m1 - m2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2)).
 * Tr((S1 S2)^(1/2)) is computed as Tr((R S2 R)^(1/2)) with R = S1^(1/2), which
 * has the same eigenvalues and stays symmetric, so no complex square roots.
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  const dim = a.dim;
  if (b.dim !== dim) throw new RangeError('feature sizes differ');
  let d = 0;
  for (let i = 0; i < dim; i++) d += (a.mean[i]! - b.mean[i]!) ** 2;
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += a.cov[i * dim + i]! + b.cov[i * dim + i]!;
  const r = sqrtPsd(a.cov, dim);
  const inner = matmul(matmul(r, b.cov, dim), r, dim);
  // Symmetrise against rounding before the eigen-solve.
  for (let i = 0; i < dim; i++)
    for (let j = i + 1; j < dim; j++) {
      const v = (inner[i * dim + j]! + inner[j * dim + i]!) / 2;
      inner[i * dim + j] = v;
      inner[j * dim + i] = v;
    }
  const { values } = symmetricEigen(inner, dim);
  let rootTrace = 0;
  for (const v of values) rootTrace += Math.sqrt(Math.max(0, v));
  return Math.max(0, d + trace - 2 * rootTrace);
}
