/**
 * Adaptive exploration: the "dynamic trade-off" the source articles ask for (README, Source material) made into
 * a rule. A base schedule decays epsilon as the agent learns; on top, the
 * agent watches whether its estimates have gone stale. With δ = target −
 * Q(s,a) (the TD error) it keeps a fast moving average of δ itself, B (about
 * `fastWindow` steps), and a slow one of |δ|, L (about `slowWindow` steps):
 *
 *   drift  z_t = |B_t| / L_t
 *   ε_t    = min(maxEpsilon, ε_base(t) + gain · max(0, z_t − tolerance))
 *
 * While the world is steady the estimates are unbiased, the errors are noise
 * that averages out, z stays near 0 and ε follows the base schedule. When
 * shoppers change what they like, the values the agent acts on are
 * systematically wrong (the items it favours now disappoint), the recent
 * errors stop averaging out, z rises and the agent explores until its
 * estimates catch up. The signed average matters: for 0/1 rewards the size of
 * the errors barely changes when a favourite item goes out of fashion, their
 * sign does. The tolerance keeps short runs of luck from nudging ε.
 */
import { checkSchedule, epsilonAt, type Schedule } from './schedule';

export interface AdaptiveOptions {
  /** The schedule ε follows while nothing changes. */
  base: Schedule;
  /** Steps the fast average remembers, ≥ 1 (default 200). */
  fastWindow?: number;
  /** Steps the slow average remembers, > fastWindow (default 5,000). */
  slowWindow?: number;
  /** ε added per unit of drift z, ≥ 0 (default 0.5). */
  gain?: number;
  /** Drift z ignored as noise, ≥ 0 (default 0.2). */
  tolerance?: number;
  /** Ceiling on ε, in [0, 1] (default 0.5). */
  maxEpsilon?: number;
}

export class AdaptiveExploration {
  /** Fast average of δ (signed) and slow average of |δ|. */
  private fast = 0;
  private slow = 0;
  private n = 0;
  private readonly fastRate: number;
  private readonly slowRate: number;
  private readonly gain: number;
  private readonly tolerance: number;
  private readonly maxEpsilon: number;

  constructor(readonly options: AdaptiveOptions) {
    checkSchedule(options.base);
    const fastWindow = options.fastWindow ?? 200;
    const slowWindow = options.slowWindow ?? 5000;
    if (!(fastWindow >= 1 && slowWindow > fastWindow))
      throw new RangeError('windows must satisfy 1 ≤ fastWindow < slowWindow');
    this.fastRate = 1 / fastWindow;
    this.slowRate = 1 / slowWindow;
    this.gain = options.gain ?? 0.5;
    this.tolerance = options.tolerance ?? 0.2;
    this.maxEpsilon = options.maxEpsilon ?? 0.5;
    if (!(this.gain >= 0 && this.tolerance >= 0))
      throw new RangeError('gain and tolerance must be ≥ 0');
    if (!(this.maxEpsilon >= 0 && this.maxEpsilon <= 1))
      throw new RangeError('maxEpsilon must be 0 to 1');
  }

  /** Records one TD error. */
  observe(tdError: number): void {
    if (!Number.isFinite(tdError)) return;
    this.n++;
    this.fast += this.fastRate * (tdError - this.fast);
    this.slow += this.slowRate * (Math.abs(tdError) - this.slow);
  }

  /** z = |B| / L with the averages' start-up bias removed (0 before any data). */
  get drift(): number {
    if (this.n === 0) return 0;
    const b = this.fast / (1 - (1 - this.fastRate) ** this.n);
    const l = this.slow / (1 - (1 - this.slowRate) ** this.n);
    return l > 0 ? Math.abs(b) / l : 0;
  }

  /** ε after t decisions. */
  epsilon(t: number): number {
    const boost = this.gain * Math.max(0, this.drift - this.tolerance);
    return Math.min(this.maxEpsilon, epsilonAt(this.options.base, t) + boost);
  }
}

/** Exploration for Q-learning and DQN: a fixed schedule, or one that adapts to drift. */
export type Exploration =
  { kind: 'schedule'; schedule: Schedule } | ({ kind: 'adaptive' } & AdaptiveOptions);

/** A uniform view over both kinds. */
export interface Explorer {
  observe(tdError: number): void;
  epsilon(t: number): number;
}

export function explorerFor(e: Exploration): Explorer {
  if (e.kind === 'adaptive') return new AdaptiveExploration(e);
  checkSchedule(e.schedule);
  return { observe: () => {}, epsilon: (t) => epsilonAt(e.schedule, t) };
}
