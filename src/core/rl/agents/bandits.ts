/**
 * Context-free agents: each keeps statistics per action (arm) and ignores the
 * state, which makes them the baselines every smarter agent must beat and
 * the right tool when the best item does not depend on who is shopping.
 *
 *   random         uniform over actions
 *   epsilon-greedy best mean so far, or a uniform random action with probability epsilon(t)
 *   UCB1           mean + c * sqrt(ln t / n) (Auer et al. 2002); each arm tried once first
 *   Thompson Beta  Beta(1 + successes, 1 + failures) per arm, for rewards in [0, 1]
 *   Thompson Gauss Normal posterior per arm with known noise, for any real reward
 */
import { createRandom, type Random } from '../../random';
import {
  argmaxRandomTie,
  checkShape,
  type Agent,
  type ProblemShape,
  type Transition,
} from '../contract';
import { sampleBeta } from '../distributions';
import { checkSchedule, epsilonAt, type Schedule } from './schedule';

/** Counts and running means per arm. */
class ArmStats {
  readonly n: Float64Array;
  readonly mean: Float64Array;
  total = 0;
  constructor(arms: number) {
    this.n = new Float64Array(arms);
    this.mean = new Float64Array(arms);
  }
  add(arm: number, reward: number): void {
    if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite, got ${reward}`);
    this.n[arm]!++;
    this.total++;
    this.mean[arm]! += (reward - this.mean[arm]!) / this.n[arm]!;
  }
}

export class RandomAgent implements Agent {
  readonly name = 'random';
  private readonly rng: Random;
  constructor(
    private readonly shape: ProblemShape,
    seed: number,
  ) {
    checkShape(shape);
    this.rng = createRandom(seed);
  }
  act(): number {
    return this.rng.int(this.shape.numActions);
  }
  learn(): void {}
}

export class EpsilonGreedyAgent implements Agent {
  readonly name: string;
  private readonly stats: ArmStats;
  private readonly rng: Random;
  private t = 0;
  constructor(
    private readonly shape: ProblemShape,
    private readonly schedule: Schedule,
    seed: number,
  ) {
    checkShape(shape);
    checkSchedule(schedule);
    this.stats = new ArmStats(shape.numActions);
    this.rng = createRandom(seed);
    this.name = schedule.kind === 'constant' ? 'epsilon-greedy' : 'epsilon-greedy (decaying)';
  }
  /** The current exploration rate. */
  get epsilon(): number {
    return epsilonAt(this.schedule, this.t);
  }
  act(): number {
    const explore = this.rng.next() < this.epsilon;
    this.t++;
    if (explore) return this.rng.int(this.shape.numActions);
    return argmaxRandomTie(this.stats.mean, () => this.rng.next());
  }
  learn(t: Transition): void {
    this.stats.add(t.action, t.reward);
  }
}

export class Ucb1Agent implements Agent {
  readonly name = 'UCB1';
  private readonly stats: ArmStats;
  private readonly rng: Random;
  private readonly scores: Float64Array;
  /** `c` scales the bonus; sqrt(2) is Auer's choice for rewards in [0, 1]. */
  constructor(
    shape: ProblemShape,
    seed: number,
    private readonly c = Math.SQRT2,
  ) {
    checkShape(shape);
    if (!(c >= 0)) throw new RangeError(`c must be ≥ 0, got ${c}`);
    this.stats = new ArmStats(shape.numActions);
    this.scores = new Float64Array(shape.numActions);
    this.rng = createRandom(seed);
  }
  act(): number {
    const { n, mean, total } = this.stats;
    const logT = Math.log(Math.max(1, total));
    for (let a = 0; a < n.length; a++)
      this.scores[a] = n[a] === 0 ? Infinity : mean[a]! + this.c * Math.sqrt(logT / n[a]!);
    return argmaxRandomTie(this.scores, () => this.rng.next());
  }
  learn(t: Transition): void {
    this.stats.add(t.action, t.reward);
  }
}

export class ThompsonBetaAgent implements Agent {
  readonly name = 'Thompson (Beta)';
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly draws: Float64Array;
  private readonly rng: Random;
  constructor(shape: ProblemShape, seed: number) {
    checkShape(shape);
    this.alpha = new Float64Array(shape.numActions).fill(1);
    this.beta = new Float64Array(shape.numActions).fill(1);
    this.draws = new Float64Array(shape.numActions);
    this.rng = createRandom(seed);
  }
  act(): number {
    for (let a = 0; a < this.draws.length; a++)
      this.draws[a] = sampleBeta(this.alpha[a]!, this.beta[a]!, this.rng);
    return argmaxRandomTie(this.draws, () => this.rng.next());
  }
  learn(t: Transition): void {
    if (!(t.reward >= 0 && t.reward <= 1))
      throw new RangeError(`Thompson (Beta) needs rewards in [0, 1], got ${t.reward}`);
    // A reward r in [0, 1] counts as a success with probability r (Agrawal and Goyal 2012).
    if (this.rng.next() < t.reward) this.alpha[t.action]!++;
    else this.beta[t.action]!++;
  }
}

export class ThompsonGaussianAgent implements Agent {
  readonly name = 'Thompson (Gaussian)';
  private readonly stats: ArmStats;
  private readonly draws: Float64Array;
  private readonly rng: Random;
  /**
   * `noise` is the reward's standard deviation around an arm's mean; the prior
   * on each mean is N(0, priorScale²), wide enough not to matter after a few pulls.
   */
  constructor(
    shape: ProblemShape,
    seed: number,
    private readonly noise = 1,
    private readonly priorScale = 10,
  ) {
    checkShape(shape);
    if (!(noise > 0 && priorScale > 0)) throw new RangeError('noise and priorScale must be > 0');
    this.stats = new ArmStats(shape.numActions);
    this.draws = new Float64Array(shape.numActions);
    this.rng = createRandom(seed);
  }
  act(): number {
    const { n, mean } = this.stats;
    const priorPrecision = 1 / this.priorScale ** 2;
    const noisePrecision = 1 / this.noise ** 2;
    for (let a = 0; a < n.length; a++) {
      // Conjugate normal update with prior mean 0.
      const precision = priorPrecision + n[a]! * noisePrecision;
      const postMean = (n[a]! * noisePrecision * mean[a]!) / precision;
      this.draws[a] = postMean + this.rng.normal() / Math.sqrt(precision);
    }
    return argmaxRandomTie(this.draws, () => this.rng.next());
  }
  learn(t: Transition): void {
    this.stats.add(t.action, t.reward);
  }
}
