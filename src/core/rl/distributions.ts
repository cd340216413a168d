/** Draws from the distributions the Bayesian agents need, from the one seeded Random. */
import type { Random } from '../random';

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use the boost
 * Gamma(a+1) * U^(1/a). Their squeeze accepts most draws without a logarithm;
 * it accepts only what the full test would, so the draws are the same.
 */
export function sampleGamma(shape: number, rng: Random): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(shape + 1, rng) * (1 - rng.next()) ** (1 / shape);
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
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). The catalog
 * draws its items' quality with it, so it stays as it is: a catalog is
 * rebuilt from its seed, and a saved session's must come back the same.
 */
export function sampleBeta(a: number, b: number, rng: Random): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  return x / (x + y);
}

/**
 * Beta(a, b), fast where Thompson sampling lives (a fresh draw per arm per
 * decision): Beta(1, 1) is a uniform, Beta(1, b) = 1 − U^(1/b) and
 * Beta(a, 1) = U^(1/a) (every arm with no success or no failure yet is one
 * of these); otherwise the gamma ratio, each gamma by Marsaglia and Tsang
 * with its normal from the ziggurat, so most draws need no logarithm.
 * Inner draws take single 32-bit words (`word`), as the ziggurat was
 * designed for; the closed forms take full uniforms.
 */
export function sampleBetaFast(a: number, b: number, rng: Random): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`beta parameters must be > 0, got ${a}, ${b}`);
  // 1 − U^(1/b) with −ln U an exponential.
  if (a === 1) return b === 1 ? rng.next() : -Math.expm1(-exponentialZiggurat(rng) / b);
  if (b === 1) return Math.exp(-exponentialZiggurat(rng) / a);
  const x = gammaFast(a, rng);
  return x / (x + gammaFast(b, rng));
}

/** 2⁻³²: a 32-bit word to a uniform. */
const WORD = 2 ** -32;

/**
 * A uniform in (0, 1) from one 32-bit word: half the generator's work of
 * `Random.next`, for draws where a resolution of 2⁻³² is plenty (a gamma's
 * acceptance test, an exponential ziggurat's position, a simulated
 * shopper's click, cart, purchase and leaving).
 */
export function uniformWord(rng: Random): number {
  return ((rng.word() >>> 0) + 0.5) * WORD;
}

/** Gamma(shape, 1) by Marsaglia and Tsang on ziggurat normals, as `sampleGamma` but faster. */
export function gammaFast(shape: number, rng: Random): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return gammaFast(shape + 1, rng) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  return gammaOf(d, 1 / Math.sqrt(9 * d), rng);
}

/** Marsaglia and Tsang's d = shape − 1/3 and c = 1/√(9d) of Beta(a, b)'s two gammas, into out[at, at + 4). */
export function betaConstants(a: number, b: number, out: Float64Array, at: number): void {
  for (const [k, shape] of [a, b].entries()) {
    const d = shape - 1 / 3;
    out[at + 2 * k] = d;
    out[at + 2 * k + 1] = 1 / Math.sqrt(9 * d);
  }
}

/**
 * One draw of Beta(alpha[i], beta[i]) per i into `out`, as `sampleBetaFast`
 * draws them, with each pair's `betaConstants` kept in `constants` (at
 * i * 4; a pair whose constants are not its own, say after its counts
 * changed, has them worked out again): Thompson sampling's every decision,
 * in one loop of this module.
 */
export function sampleBetas(
  alpha: Float64Array,
  beta: Float64Array,
  constants: Float64Array,
  rng: Random,
  out: Float64Array,
): void {
  for (let i = 0; i < out.length; i++) {
    const a = alpha[i]!;
    const b = beta[i]!;
    // sampleBetaFast's closed forms, written out: most arms of a long run have no success yet.
    if (a === 1 && b > 1) out[i] = -Math.expm1(-exponentialZiggurat(rng) / b);
    else if (a === 1 || b === 1 || a < 1 || b < 1) out[i] = sampleBetaFast(a, b, rng);
    else {
      if (constants[i * 4] !== a - 1 / 3 || constants[i * 4 + 2] !== b - 1 / 3)
        betaConstants(a, b, constants, i * 4);
      gammaInto(constants[i * 4]!, constants[i * 4 + 1]!, rng, out, i);
      gammaInto(constants[i * 4 + 2]!, constants[i * 4 + 3]!, rng, scratch, 0);
      out[i] = out[i]! / (out[i]! + scratch[0]!);
    }
  }
}

/** Gamma(shape, 1), shape ≥ 1, from its constants d and c (see `betaConstants`). */
export function gammaOf(d: number, c: number, rng: Random): number {
  gammaInto(d, c, rng, scratch, 0);
  return scratch[0]!;
}

const scratch = new Float64Array(1);

/**
 * `gammaOf`'s draw, written to out[at]: a hot loop calls this, and a call
 * V8 does not inline allocates a heap number for a returned float, where
 * a store into an array does not.
 */
function gammaInto(d: number, c: number, rng: Random, out: Float64Array, at: number): void {
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalZiggurat(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    // In (0, 1): a word and a half.
    const u = uniformWord(rng);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d - d * v + d * Math.log(v)) {
      out[at] = d * v;
      return;
    }
  }
}

/** The ziggurat's 128 layers (Marsaglia and Tsang 2000): right edges X and X[i+1] / X[i]. */
const LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(LAYERS + 1);
const ZIG_RATIO = new Float64Array(LAYERS);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  for (let i = 2; i < LAYERS; i++) {
    ZIG_X[i] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[i - 1]! + f));
    f = Math.exp(-0.5 * ZIG_X[i]! * ZIG_X[i]!);
  }
  for (let i = 0; i < LAYERS; i++) ZIG_RATIO[i] = ZIG_X[i + 1]! / ZIG_X[i]!;
}

/**
 * N(0, 1) by the ziggurat, in Doornik's (2005) form: the layer from 7 bits
 * of one word, the position in it from another, so they share no bits.
 * About 99% of draws take one comparison; only the layers' edges and the
 * tail need exponentials, and they live in `normalEdge`, so this stays
 * small enough for V8 to inline where it is called.
 */
export function normalZiggurat(rng: Random): number {
  const i = rng.word() >>> 25;
  // In (−1, 1).
  const u = (rng.word() + 0.5) * 2 * WORD;
  if (Math.abs(u) < ZIG_RATIO[i]!) return u * ZIG_X[i]!;
  return normalEdge(i, u, rng);
}

/**
 * n draws of `normalZiggurat` into out[0, n), in order: one call for many,
 * so a caller's cost does not hang on V8 inlining the sampler into it (a
 * float returned from a call that was not inlined is a heap allocation).
 */
export function normalsInto(rng: Random, out: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) out[k] = normalZiggurat(rng);
}

/** The ziggurat's rare draws: layer i's edge at position u, or the tail (i = 0); a rejection starts over. */
function normalEdge(i: number, u: number, rng: Random): number {
  if (i === 0) {
    // The tail beyond R, by Marsaglia's (1964) method.
    let x: number;
    let y: number;
    do {
      x = Math.log(1 - rng.next()) / ZIG_R;
      y = Math.log(1 - rng.next());
    } while (-2 * y < x * x);
    return u < 0 ? x - ZIG_R : ZIG_R - x;
  }
  const x = u * ZIG_X[i]!;
  const f0 = Math.exp(-0.5 * (ZIG_X[i]! * ZIG_X[i]! - x * x));
  const f1 = Math.exp(-0.5 * (ZIG_X[i + 1]! * ZIG_X[i + 1]! - x * x));
  return f1 + rng.next() * (f0 - f1) < 1 ? x : normalZiggurat(rng);
}

/** The exponential ziggurat's 256 layers (Marsaglia and Tsang 2000). */
const E_LAYERS = 256;
const E_R = 7.697117470131049;
const E_V = 3.949659822581572e-3;
const EXP_X = new Float64Array(E_LAYERS + 1);
const EXP_RATIO = new Float64Array(E_LAYERS);
{
  EXP_X[0] = E_V / Math.exp(-E_R);
  EXP_X[1] = E_R;
  for (let i = 2; i < E_LAYERS; i++)
    EXP_X[i] = -Math.log(E_V / EXP_X[i - 1]! + Math.exp(-EXP_X[i - 1]!));
  for (let i = 0; i < E_LAYERS; i++) EXP_RATIO[i] = EXP_X[i + 1]! / EXP_X[i]!;
}

/** Exp(1) by the ziggurat, layer and position from separate words as `normalZiggurat`, and as small. */
export function exponentialZiggurat(rng: Random): number {
  const i = rng.word() >>> 24;
  // In (0, 1).
  const u = uniformWord(rng);
  if (u < EXP_RATIO[i]!) return u * EXP_X[i]!;
  return exponentialEdge(i, u, rng);
}

/** The exponential ziggurat's rare draws, as `normalEdge`. */
function exponentialEdge(i: number, u: number, rng: Random): number {
  // The tail beyond R is R plus an exponential (memorylessness).
  if (i === 0) return E_R - Math.log(1 - rng.next());
  const x = u * EXP_X[i]!;
  const f0 = Math.exp(-EXP_X[i]!);
  const f1 = Math.exp(-EXP_X[i + 1]!);
  return f1 + rng.next() * (f0 - f1) < Math.exp(-x) ? x : exponentialZiggurat(rng);
}
