/**
 * Differential privacy for the tabular GAN: the accountant that turns a
 * training run into an (ε, δ) figure, and the unseeded randomness DP-SGD needs.
 *
 * The mechanism is DP-SGD on the discriminator (Abadi et al. 2016): each
 * step takes a Poisson sample of the training rows (each row joins with
 * probability q), clips each row's gradient to L2 norm C, adds Gaussian noise
 * of standard deviation σC to the sum, and divides by the expected batch size.
 * Its privacy loss is tracked with Rényi DP of the sampled Gaussian mechanism
 * at integer orders (Mironov, Talwar and Zhang 2019, §3.3) and converted to
 * (ε, δ) with the bound of Balle et al. 2020 (Thm 21), as TensorFlow Privacy does.
 */

/** Integer Rényi orders tried; the best one depends on q, σ and the step count. */
export const RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 63 }, (_, i) => i + 2),
  72,
  80,
  96,
  128,
  192,
  256,
];

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/**
 * Rényi DP at integer order `alpha` of one step of the Gaussian mechanism
 * with noise multiplier `sigma`, on a Poisson sample of rate `q`:
 *   (1 / (α - 1)) log Σ_k C(α, k) (1 - q)^(α - k) q^k exp((k² - k) / (2σ²)).
 */
export function sampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError('the sampling rate must be in [0, 1]');
  if (!(sigma > 0)) throw new RangeError('the noise multiplier must be positive');
  if (!(Number.isInteger(alpha) && alpha >= 2)) throw new RangeError('orders are integers ≥ 2');
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinom += Math.log(alpha - k + 1) - Math.log(k);
    logA = logAdd(
      logA,
      logBinom + k * logQ + (alpha - k) * log1mQ + (k * k - k) / (2 * sigma * sigma),
    );
  }
  return logA / (alpha - 1);
}

/** ε after `steps` noisy steps at sampling rate q and noise multiplier σ, for a given δ. */
export function dpEpsilon(steps: number, q: number, sigma: number, delta: number): number {
  if (!(delta > 0 && delta < 1)) throw new RangeError('δ must be in (0, 1)');
  if (steps <= 0 || q === 0) return 0;
  let best = Infinity;
  for (const a of RDP_ORDERS) {
    const rdp = steps * sampledGaussianRdp(q, sigma, a);
    const eps = rdp + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
    if (eps < best) best = eps;
  }
  return Math.max(0, best);
}

/** The δ a run states: below one over the number of rows, as DP practice asks, and at most 1e-5. */
export function dpDelta(rows: number): number {
  return Math.min(1e-5, 10 ** Math.floor(Math.log10(1 / (10 * Math.max(1, rows)))));
}

/** Most bytes one getRandomValues call may fill. */
const CRYPTO_CHUNK = 65_536;

/**
 * Uniform floats in [0, 1) from the platform's cryptographic generator. DP
 * noise must not come from a seeded generator: whoever knows the seed could
 * subtract the noise again.
 */
export function secureUniform(n: number): Float64Array {
  const words = new Uint32Array(2 * n);
  for (let at = 0; at < words.length; at += CRYPTO_CHUNK / 4)
    crypto.getRandomValues(words.subarray(at, Math.min(words.length, at + CRYPTO_CHUNK / 4)));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = ((words[2 * i]! >>> 5) * 2 ** 26 + (words[2 * i + 1]! >>> 6)) / 2 ** 53;
  return out;
}

/** Standard normal draws (Box-Muller) from the cryptographic generator. */
export function secureNormal(n: number): Float32Array {
  const u = secureUniform(2 * Math.ceil(n / 2));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]!));
    const t = 2 * Math.PI * u[i + 1]!;
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}
