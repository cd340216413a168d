/**
 * Tabular temporal-difference control over a discrete state (for the shops,
 * the segment × last event × stage state of sim/observe.ts). Q is a flat
 * Float64Array of states × actions.
 *
 *   Q-learning (off-policy):  Q(s,a) += α [ r + γ max_a' Q(s',a') − Q(s,a) ]
 *   SARSA      (on-policy):   Q(s,a) += α [ r + γ Q(s',a') − Q(s,a) ],  a' the action it will take next
 *
 * (the article's "Q(s,a) ← r + γ max Q(s',a')" is the α = 1 case). At the end
 * of an episode the bootstrap term is 0. α is constant, or 1 / visits(s,a)^ω
 * (ω in (0.5, 1]) which meets the Robbins-Monro conditions, so Q-learning
 * converges to Q* when every pair keeps being tried. Actions are
 * epsilon-greedy with a fixed or adaptive schedule (adaptive.ts).
 */
import { createRandom, type Random } from '../../random';
import type { Agent, Observation, ProblemShape, Transition } from '../contract';
import { checkShape } from '../contract';
import { explorerFor, type Exploration, type Explorer } from './adaptive';
import { PlanCache, replayPlan } from './argmax-plan';
import { epsilonGreedySlate } from './bandits';

export type LearningRate =
  /** The same step size always, in (0, 1]. */
  | { kind: 'constant'; alpha: number }
  /** 1 / visits(s,a)^power, power in (0.5, 1]. */
  | { kind: 'visits'; power: number };

export interface TabularOptions {
  /** Discount γ in [0, 1]. */
  gamma: number;
  learningRate: LearningRate;
  exploration: Exploration;
  /** Starting Q for every pair (optimism explores), default 0. */
  initial?: number;
}

abstract class TabularAgent implements Agent {
  abstract readonly name: string;
  /** Q(s,a) at [s * numActions + a]. */
  readonly q: Float64Array;
  readonly visits: Uint32Array;
  protected readonly A: number;
  protected readonly rng: Random;
  protected readonly explorer: Explorer;
  private t = 0;
  /** Greedy picks per state, dropped when the state's row changes (argmax-plan.ts). */
  private readonly cache = new PlanCache();

  constructor(
    shape: ProblemShape,
    protected readonly options: TabularOptions,
    seed: number,
  ) {
    checkShape(shape);
    if (!(options.gamma >= 0 && options.gamma <= 1))
      throw new RangeError(`γ must be in [0, 1], got ${options.gamma}`);
    const lr = options.learningRate;
    if (lr.kind === 'constant' && !(lr.alpha > 0 && lr.alpha <= 1))
      throw new RangeError(`α must be in (0, 1], got ${lr.alpha}`);
    if (lr.kind === 'visits' && !(lr.power > 0.5 && lr.power <= 1))
      throw new RangeError(`the visits power must be in (0.5, 1], got ${lr.power}`);
    this.A = shape.numActions;
    this.q = new Float64Array(shape.numStates * shape.numActions).fill(options.initial ?? 0);
    this.visits = new Uint32Array(shape.numStates * shape.numActions);
    this.rng = createRandom(seed);
    this.explorer = explorerFor(options.exploration);
  }

  /** The current exploration rate. */
  get epsilon(): number {
    return this.explorer.epsilon(this.t);
  }

  /** An epsilon-greedy action for state s (counts as a decision). */
  protected policy(s: number): number {
    const explore = this.rng.next() < this.epsilon;
    this.t++;
    if (explore) return this.rng.int(this.A);
    return this.greedy(s);
  }

  /** The best-valued action in s, ties at random. */
  greedy(s: number): number {
    return replayPlan(this.cache.plan(s, this.q, s * this.A, (s + 1) * this.A), this.rng);
  }

  protected maxQ(s: number): number {
    // A plan's last new best is the row's maximum.
    const plan = this.cache.plan(s, this.q, s * this.A, (s + 1) * this.A);
    let j = plan.length - 1;
    while (j >= 0 && plan[j]! >= 0) j--;
    // No new best at all: the row is all −Infinity (or NaN), as a scan would say.
    return j < 0 ? -Infinity : this.q[s * this.A + ~plan[j]!]!;
  }

  act(o: Observation): number {
    return this.policy(o.state);
  }

  rank(o: Observation, k: number): Int32Array {
    const epsilon = this.epsilon;
    this.t++;
    return epsilonGreedySlate(
      this.q.subarray(o.state * this.A, (o.state + 1) * this.A),
      epsilon,
      k,
      this.rng,
    );
  }

  /** Moves Q(s,a) toward `target`. */
  protected update(s: number, a: number, target: number): void {
    const i = s * this.A + a;
    this.visits[i]!++;
    const lr = this.options.learningRate;
    const alpha = lr.kind === 'constant' ? lr.alpha : 1 / this.visits[i]! ** lr.power;
    const delta = target - this.q[i]!;
    this.explorer.observe(delta);
    this.q[i]! += alpha * delta;
    this.cache.drop(s);
  }

  protected checkReward(r: number): void {
    if (!Number.isFinite(r)) throw new RangeError(`reward must be finite, got ${r}`);
  }

  abstract learn(t: Transition): void;
}

export class QLearningAgent extends TabularAgent {
  readonly name = 'Q-learning';
  learn(t: Transition): void {
    this.checkReward(t.reward);
    const future = t.done ? 0 : this.options.gamma * this.maxQ(t.next.state);
    this.update(t.observation.state, t.action, t.reward + future);
  }
}

export class SarsaAgent extends TabularAgent {
  readonly name = 'SARSA';
  /** The action already chosen for the next state, so the update uses what will really be done. */
  private pending: { state: number; action: number } | null = null;

  override act(o: Observation): number {
    const p = this.pending;
    this.pending = null;
    if (p && p.state === o.state) return p.action;
    return this.policy(o.state);
  }

  learn(t: Transition): void {
    this.checkReward(t.reward);
    let future = 0;
    this.pending = null;
    if (!t.done) {
      const next = this.policy(t.next.state);
      this.pending = { state: t.next.state, action: next };
      future = this.options.gamma * this.q[t.next.state * this.A + next]!;
    }
    this.update(t.observation.state, t.action, t.reward + future);
  }
}
