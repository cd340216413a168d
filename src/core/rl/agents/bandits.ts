/**
 * Context-free agents: each keeps statistics per action (arm) and ignores the
 * state, which makes them the baselines every smarter agent must beat and
 * the right tool when the best item does not depend on who is shopping.
 *
 *   random         uniform over actions
 *   popularity     the action with the most rewarded outcomes so far ("bestsellers"), no exploration
 *   epsilon-greedy best mean so far, or a uniform random action with probability epsilon(t)
 *   UCB1           mean + c * sqrt(ln t / n) (Auer et al. 2002); each arm tried once first
 *   Thompson Beta  Beta(1 + successes, 1 + failures) per arm, for rewards in [0, 1]
 *   Thompson Gauss Normal posterior per arm with known noise, for any real reward
 */
import { createRandom, type Random } from '../../random';
import type { Agent, Observation, ProblemShape, Transition } from '../contract';
import { argmaxRandomTie, checkShape } from '../contract';
import { normalZiggurat, sampleBetas } from '../distributions';
import { topK } from '../sim/oracle';
import { PlanCache, replayPlan } from './argmax-plan';
import { checkSchedule, epsilonAt, type Schedule } from './schedule';

/**
 * An agent that scores every action and takes the best (ties at random);
 * for a slate it shows the k best scores.
 */
export abstract class ScoringAgent implements Agent {
  abstract readonly name: string;
  protected readonly rng: Random;
  protected readonly scores: Float64Array;
  /**
   * Scores that ignore the observation and change only when the agent
   * learns are scored once and picked from by replay until then
   * (argmax-plan.ts): the same picks, without a scan per decision.
   */
  protected readonly sharedScores: boolean = false;
  /** Set when `scores` and the plan are this learning state's (shared scores only). */
  private scored = false;
  private readonly cache = new PlanCache();
  constructor(shape: ProblemShape, seed: number) {
    checkShape(shape);
    this.rng = createRandom(seed);
    this.scores = new Float64Array(shape.numActions);
  }
  /** Fills `this.scores` for this observation. */
  protected abstract score(observation: Observation): void;
  abstract learn(t: Transition): void;
  /** What learning calls, so shared scores are scored again. */
  protected changed(): void {
    this.scored = false;
  }
  private scoreFor(observation: Observation): void {
    if (this.sharedScores && this.scored) return;
    this.score(observation);
    this.cache.clear();
    this.scored = this.sharedScores;
  }
  act(observation: Observation): number {
    this.scoreFor(observation);
    if (!this.sharedScores) return argmaxRandomTie(this.scores, () => this.rng.next());
    return replayPlan(this.cache.plan(0, this.scores), this.rng);
  }
  rank(observation: Observation, k: number): Int32Array {
    this.scoreFor(observation);
    return bestSlate(this.scores, k, this.rng);
  }
}

/** The k best-scoring actions, best first; a tiny random jitter breaks ties without favouring low ids. */
export function bestSlate(scores: ArrayLike<number>, k: number, rng: Random): Int32Array {
  const jittered = Float64Array.from(
    scores,
    (v) => v + 1e-12 * Math.max(1, Math.abs(v)) * rng.next(),
  );
  return topK(jittered, new Int32Array(k));
}

/** An ε-greedy slate: k random distinct actions with probability epsilon, else the k best values. */
export function epsilonGreedySlate(
  values: ArrayLike<number>,
  epsilon: number,
  k: number,
  rng: Random,
): Int32Array {
  if (rng.next() < epsilon) return randomSlate(values.length, k, rng);
  return bestSlate(values, k, rng);
}

/** k distinct actions drawn uniformly (a partial Fisher-Yates shuffle). */
export function randomSlate(numActions: number, k: number, rng: Random): Int32Array {
  const out = new Int32Array(k);
  const picked = new Map<number, number>();
  for (let s = 0; s < k; s++) {
    const j = s + rng.int(numActions - s);
    out[s] = picked.get(j) ?? j;
    picked.set(j, picked.get(s) ?? s);
  }
  return out;
}

/**
 * What a bandit believes about each arm, for the lab's charts: its estimate
 * of the mean reward and a band (a 95% interval, or for UCB1 the bonus it
 * adds), with the pulls behind them. Bands are ±Infinity for unpulled arms.
 */
export interface ArmEstimates {
  mean: Float64Array;
  low: Float64Array;
  high: Float64Array;
  pulls: Float64Array;
}

/** Agents that can show their per-arm estimates. */
export interface ShowsArms {
  arms(): ArmEstimates;
}

export function showsArms(agent: object): agent is ShowsArms {
  return typeof (agent as Partial<ShowsArms>).arms === 'function';
}

function estimates(arms: number): ArmEstimates {
  return {
    mean: new Float64Array(arms),
    low: new Float64Array(arms),
    high: new Float64Array(arms),
    pulls: new Float64Array(arms),
  };
}

/** Counts, running means and (Welford) squared deviations per arm. */
class ArmStats {
  readonly n: Float64Array;
  readonly mean: Float64Array;
  private readonly m2: Float64Array;
  total = 0;
  constructor(arms: number) {
    this.n = new Float64Array(arms);
    this.mean = new Float64Array(arms);
    this.m2 = new Float64Array(arms);
  }
  add(arm: number, reward: number): void {
    if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite, got ${reward}`);
    this.n[arm]!++;
    this.total++;
    const delta = reward - this.mean[arm]!;
    this.mean[arm]! += delta / this.n[arm]!;
    this.m2[arm]! += delta * (reward - this.mean[arm]!);
  }
  /** Means with a normal-approximation 95% interval (infinite below two pulls). */
  intervals(): ArmEstimates {
    const out = estimates(this.n.length);
    for (let a = 0; a < this.n.length; a++) {
      const n = this.n[a]!;
      const half = n < 2 ? Infinity : 1.96 * Math.sqrt(this.m2[a]! / (n - 1) / n);
      out.mean[a] = this.mean[a]!;
      out.low[a] = this.mean[a]! - half;
      out.high[a] = this.mean[a]! + half;
      out.pulls[a] = n;
    }
    return out;
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
  rank(_observation: Observation, k: number): Int32Array {
    return randomSlate(this.shape.numActions, k, this.rng);
  }
  learn(): void {}
}

export class PopularityAgent extends ScoringAgent {
  readonly name = 'popularity';
  /** Sum of rewards earned per action: the bestseller list. */
  private readonly earned: Float64Array;
  /**
   * `sold`: per action, what a log says each item sold before the race (a
   * shop's bestseller list on opening day); without it the list starts empty
   * and the first items shown stay on top whatever they earn.
   */
  constructor(shape: ProblemShape, seed: number, sold?: ArrayLike<number>) {
    super(shape, seed);
    if (sold && sold.length !== shape.numActions)
      throw new RangeError(
        `sales are given for ${sold.length} items; this problem has ${shape.numActions}`,
      );
    this.earned = sold ? Float64Array.from(sold) : new Float64Array(shape.numActions);
  }
  protected override readonly sharedScores = true;
  protected score(): void {
    this.scores.set(this.earned);
  }
  learn(t: Transition): void {
    this.earned[t.action]! += t.reward;
    this.changed();
  }
}

/**
 * ε-greedy, on one set of arm averages or, `bySegment`, on one per segment
 * of shoppers (a contextual bandit at its simplest: what each segment
 * clicks, learned apart). The schedule counts decisions, whoever they serve.
 */
export class EpsilonGreedyAgent implements Agent {
  readonly name: string;
  /** Every pull's statistics: what it acts on without `bySegment`, and what the lab's chart shows. */
  private readonly stats: ArmStats;
  /** One per segment with `bySegment` on a problem of segments, else none (a field of its own, so races saved before it still load). */
  private readonly segmentStats: ArmStats[];
  private readonly rng: Random;
  private t = 0;
  /** Greedy picks per set of statistics, dropped when they learn (argmax-plan.ts). */
  private readonly cache = new PlanCache();
  constructor(
    private readonly shape: ProblemShape,
    private readonly schedule: Schedule,
    seed: number,
    options: { bySegment?: boolean } = {},
  ) {
    checkShape(shape);
    checkSchedule(schedule);
    this.stats = new ArmStats(shape.numActions);
    // One segment, or none named, is everyone: the shared statistics serve.
    const segments = shape.numSegments ?? 1;
    const groups = options.bySegment && segments > 1 ? segments : 0;
    this.segmentStats = Array.from({ length: groups }, () => new ArmStats(shape.numActions));
    this.rng = createRandom(seed);
    this.name =
      schedule.kind === 'constant'
        ? 'epsilon-greedy'
        : `epsilon-greedy (decaying${options.bySegment ? ', per segment' : ''})`;
  }
  /** The current exploration rate. */
  get epsilon(): number {
    return epsilonAt(this.schedule, this.t);
  }
  /** The statistics this observation's decision rests on. */
  private statsFor(o: Observation): ArmStats {
    const groups = this.segmentStats.length;
    if (groups === 0) return this.stats;
    const g = o.segment;
    if (!(g !== undefined && Number.isInteger(g) && g >= 0 && g < groups))
      throw new RangeError(`segments are 0-${groups - 1}, got ${g}`);
    return this.segmentStats[g]!;
  }
  act(observation: Observation): number {
    const stats = this.statsFor(observation);
    const explore = this.rng.next() < this.epsilon;
    this.t++;
    if (explore) return this.rng.int(this.shape.numActions);
    return replayPlan(this.cache.plan(this.keyOf(stats), stats.mean), this.rng);
  }
  /** The plan key of a set of statistics: its segment, or -1 for the shared one. */
  private keyOf(stats: ArmStats): number {
    return this.segmentStats.indexOf(stats);
  }
  rank(observation: Observation, k: number): Int32Array {
    const { mean } = this.statsFor(observation);
    const epsilon = this.epsilon;
    this.t++;
    return epsilonGreedySlate(mean, epsilon, k, this.rng);
  }
  learn(t: Transition): void {
    const own = this.statsFor(t.observation);
    if (own !== this.stats) own.add(t.action, t.reward);
    this.stats.add(t.action, t.reward);
    this.cache.drop(this.keyOf(own));
    this.cache.drop(-1);
  }
  /** Over every pull (with `bySegment`, every segment's pulls taken together). */
  arms(): ArmEstimates {
    return this.stats.intervals();
  }
}

export class Ucb1Agent extends ScoringAgent {
  readonly name = 'UCB1';
  protected override readonly sharedScores = true;
  private readonly stats: ArmStats;
  /** `c` scales the bonus; sqrt(2) is Auer's choice for rewards in [0, 1]. */
  constructor(
    shape: ProblemShape,
    seed: number,
    private readonly c = Math.SQRT2,
  ) {
    super(shape, seed);
    if (!(c >= 0)) throw new RangeError(`c must be ≥ 0, got ${c}`);
    this.stats = new ArmStats(shape.numActions);
  }
  protected score(): void {
    const { n, mean, total } = this.stats;
    const logT = Math.log(Math.max(1, total));
    for (let a = 0; a < n.length; a++)
      this.scores[a] = n[a] === 0 ? Infinity : mean[a]! + this.c * Math.sqrt(logT / n[a]!);
  }
  learn(t: Transition): void {
    this.stats.add(t.action, t.reward);
    this.changed();
  }
  /** The band is what UCB1 acts on: the mean up to mean + bonus. */
  arms(): ArmEstimates {
    const out = this.stats.intervals();
    this.score();
    for (let a = 0; a < out.mean.length; a++) {
      out.low[a] = out.pulls[a] === 0 ? -Infinity : out.mean[a]!;
      out.high[a] = this.scores[a]!;
    }
    return out;
  }
}

export class ThompsonBetaAgent extends ScoringAgent {
  readonly name = 'Thompson (Beta)';
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  /**
   * Per arm, what its draw needs: Marsaglia and Tsang's d and c of Gamma(α)
   * and Gamma(β) at [a * 4, a * 4 + 4), worked out again when the counts
   * change (`sampleBetas`), so a race saved before they were kept resumes
   * right.
   */
  private readonly constants: Float64Array;
  constructor(shape: ProblemShape, seed: number) {
    super(shape, seed);
    this.alpha = new Float64Array(shape.numActions).fill(1);
    this.beta = new Float64Array(shape.numActions).fill(1);
    this.constants = new Float64Array(shape.numActions * 4);
  }
  protected score(): void {
    sampleBetas(this.alpha, this.beta, this.constants, this.rng, this.scores);
  }
  learn(t: Transition): void {
    if (!(t.reward >= 0 && t.reward <= 1))
      throw new RangeError(`Thompson (Beta) needs rewards in [0, 1], got ${t.reward}`);
    // A reward r in [0, 1] counts as a success with probability r (Agrawal and Goyal 2012).
    if (this.rng.next() < t.reward) this.alpha[t.action]!++;
    else this.beta[t.action]!++;
  }
  /** Posterior mean ± 1.96 posterior standard deviations. */
  arms(): ArmEstimates {
    const out = estimates(this.alpha.length);
    for (let a = 0; a < this.alpha.length; a++) {
      const al = this.alpha[a]!;
      const be = this.beta[a]!;
      const mean = al / (al + be);
      const sd = Math.sqrt((al * be) / ((al + be) ** 2 * (al + be + 1)));
      out.mean[a] = mean;
      out.low[a] = mean - 1.96 * sd;
      out.high[a] = mean + 1.96 * sd;
      out.pulls[a] = al + be - 2;
    }
    return out;
  }
}

export class ThompsonGaussianAgent extends ScoringAgent {
  readonly name = 'Thompson (Gaussian)';
  private readonly stats: ArmStats;
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
    super(shape, seed);
    if (!(noise > 0 && priorScale > 0)) throw new RangeError('noise and priorScale must be > 0');
    this.stats = new ArmStats(shape.numActions);
  }
  /** Conjugate normal posterior of arm a's mean (prior mean 0): [mean, precision]. */
  private posterior(a: number): [number, number] {
    const n = this.stats.n[a]!;
    const noisePrecision = 1 / this.noise ** 2;
    const precision = 1 / this.priorScale ** 2 + n * noisePrecision;
    return [(n * noisePrecision * this.stats.mean[a]!) / precision, precision];
  }
  protected score(): void {
    const { n, mean } = this.stats;
    const noisePrecision = 1 / this.noise ** 2;
    const priorPrecision = 1 / this.priorScale ** 2;
    // posterior(a), written out: a draw per arm per decision is this agent's whole cost.
    for (let a = 0; a < this.scores.length; a++) {
      const precision = priorPrecision + n[a]! * noisePrecision;
      const m = (n[a]! * noisePrecision * mean[a]!) / precision;
      this.scores[a] = m + normalZiggurat(this.rng) / Math.sqrt(precision);
    }
  }
  learn(t: Transition): void {
    this.stats.add(t.action, t.reward);
  }
  /** Posterior mean ± 1.96 posterior standard deviations. */
  arms(): ArmEstimates {
    const out = estimates(this.scores.length);
    for (let a = 0; a < this.scores.length; a++) {
      const [mean, precision] = this.posterior(a);
      const half = 1.96 / Math.sqrt(precision);
      out.mean[a] = mean;
      out.low[a] = mean - half;
      out.high[a] = mean + half;
      out.pulls[a] = this.stats.n[a]!;
    }
    return out;
  }
}
