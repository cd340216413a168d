/**
 * The one seeded random source of DemandLab. Every stochastic choice in core/
 * (data shuffles, batch sampling, weight init seeds) draws from a `Random`, so a
 * run with the same seed on the same backend replays exactly.
 */
import { xoroshiro128plus, unsafeUniformIntDistribution, type RandomGenerator } from 'pure-rand';

export interface Random {
  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Standard normal N(0, 1) (Box-Muller). */
  normal(): number;
  /** A 32-bit seed for libraries that take one (tfjs initialisers, shuffles). */
  seed32(): number;
  /**
   * The same word as `seed32` would give, as a signed 32-bit integer: the
   * cheapest draw, for samplers in hot loops (V8 keeps it a small integer,
   * where an unsigned word above 2³¹ is a heap number when not inlined).
   */
  word(): number;
  /** The generator state, to checkpoint and later resume the exact stream. */
  state(): number[];
}

const TWO_POW_53 = 2 ** 53;

class PureRandom implements Random {
  constructor(private gen: RandomGenerator) {}

  next(): number {
    // Same construction as fast-check's double: 26 + 27 high-quality bits.
    const hi = this.gen.unsafeNext() >>> 6;
    const lo = this.gen.unsafeNext() >>> 5;
    return (hi * 2 ** 27 + lo) / TWO_POW_53;
  }

  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`int() needs a positive integer bound, got ${maxExclusive}`);
    }
    return unsafeUniformIntDistribution(0, maxExclusive - 1, this.gen);
  }

  normal(): number {
    // 1 - next() lies in (0, 1], so the log is finite.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  seed32(): number {
    return this.gen.unsafeNext() >>> 0;
  }

  word(): number {
    return this.gen.unsafeNext();
  }

  state(): number[] {
    return [...this.gen.getState()];
  }
}

/** A generator seeded from an integer seed (any safe integer; the low 32 bits are used). */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return new PureRandom(xoroshiro128plus(seed | 0));
}

/** A generator that continues exactly from a state saved with `Random.state()`. */
export function restoreRandom(state: readonly number[]): Random {
  return new PureRandom(xoroshiro128plus.fromState(state));
}

/** Fisher-Yates shuffle of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: Random): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
