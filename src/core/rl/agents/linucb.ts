/**
 * LinUCB with disjoint linear models (Li, Chu, Langford and Schapire 2010):
 * each action a keeps a ridge regression of reward on the context x,
 *
 *   A_a = λI + Σ x xᵀ,   b_a = Σ r x,   θ_a = A_a⁻¹ b_a,
 *   score_a(x) = θ_aᵀ x + α sqrt(xᵀ A_a⁻¹ x),
 *
 * and shows the best scores. A_a⁻¹ is kept directly and updated with the
 * Sherman-Morrison formula, so a decision costs actions × nnz²/2 (nnz the
 * context's nonzeros) and an update d².
 * The context is the problem's context vector; on a problem without one it
 * falls back to a one-hot of the discrete state.
 */
import { type Observation, type ProblemShape, type Transition } from '../contract';
import { ScoringAgent } from './bandits';

export interface LinUcbOptions {
  /** Width of the confidence bonus, ≥ 0 (default 1). */
  alpha?: number;
  /** Ridge strength λ, > 0 (default 1). */
  ridge?: number;
}

export class LinUcbAgent extends ScoringAgent {
  readonly name = 'LinUCB';
  private readonly d: number;
  private readonly alpha: number;
  /** A⁻¹ per action, action a at [a * d², (a + 1) * d²). */
  private readonly aInv: Float64Array;
  private readonly b: Float64Array;
  private readonly theta: Float64Array;
  private readonly x: Float64Array;
  private readonly ax: Float64Array;
  /** Scratch: the context's nonzero coordinates. */
  private readonly nonzero: Int32Array;
  private readonly useContext: boolean;

  constructor(shape: ProblemShape, seed: number, options: LinUcbOptions = {}) {
    super(shape, seed);
    this.alpha = options.alpha ?? 1;
    const ridge = options.ridge ?? 1;
    if (!(this.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, got ${this.alpha}`);
    if (!(ridge > 0)) throw new RangeError(`ridge must be > 0, got ${ridge}`);
    this.useContext = shape.contextSize > 0;
    const d = this.useContext ? shape.contextSize : shape.numStates;
    this.d = d;
    const A = shape.numActions;
    this.aInv = new Float64Array(A * d * d);
    for (let a = 0; a < A; a++)
      for (let j = 0; j < d; j++) this.aInv[a * d * d + j * d + j] = 1 / ridge;
    this.b = new Float64Array(A * d);
    this.theta = new Float64Array(A * d);
    this.x = new Float64Array(d);
    this.ax = new Float64Array(d);
    this.nonzero = new Int32Array(d);
  }

  private features(o: Observation): Float64Array {
    if (this.useContext) {
      if (!o.context || o.context.length !== this.d)
        throw new RangeError(`LinUCB needs a context of length ${this.d}`);
      this.x.set(o.context);
    } else {
      this.x.fill(0);
      this.x[o.state] = 1;
    }
    return this.x;
  }

  protected score(o: Observation): void {
    const x = this.features(o);
    const { d, aInv, theta, nonzero } = this;
    // Contexts are sparse (one-hots, and no last click early in a session): only their nonzeros count.
    let nz = 0;
    for (let j = 0; j < d; j++) if (x[j] !== 0) nonzero[nz++] = j;
    for (let a = 0; a < this.scores.length; a++) {
      const base = a * d * d;
      let mean = 0;
      let variance = 0;
      for (let p = 0; p < nz; p++) {
        const j = nonzero[p]!;
        const xj = x[j]!;
        mean += theta[a * d + j]! * xj;
        // xᵀA⁻¹x over the nonzeros, each off-diagonal pair once (A⁻¹ is symmetric).
        let row = 0.5 * aInv[base + j * d + j]! * xj;
        for (let q = p + 1; q < nz; q++) {
          const k = nonzero[q]!;
          row += aInv[base + j * d + k]! * x[k]!;
        }
        variance += 2 * xj * row;
      }
      this.scores[a] = mean + this.alpha * Math.sqrt(Math.max(0, variance));
    }
  }

  learn(t: Transition): void {
    if (!Number.isFinite(t.reward)) throw new RangeError(`reward must be finite, got ${t.reward}`);
    const x = this.features(t.observation);
    const { d, aInv, ax } = this;
    const base = t.action * d * d;
    // Sherman-Morrison: (A + x xᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x); A⁻¹ is symmetric.
    let denom = 1;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += aInv[base + j * d + k]! * x[k]!;
      ax[j] = v;
      denom += x[j]! * v;
    }
    for (let j = 0; j < d; j++)
      for (let k = 0; k < d; k++) aInv[base + j * d + k]! -= (ax[j]! * ax[k]!) / denom;
    for (let j = 0; j < d; j++) this.b[t.action * d + j]! += t.reward * x[j]!;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += aInv[base + j * d + k]! * this.b[t.action * d + k]!;
      this.theta[t.action * d + j] = v;
    }
  }
}
