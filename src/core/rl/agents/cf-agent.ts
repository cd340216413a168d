/**
 * Collaborative filtering as a racing agent: the model trained on a log
 * (models/cf-model.ts), carried in as a prior (log-prior.ts), acting and
 * learning on the race's new shoppers. It scores each item by
 * u_s · v_a + b_s + b_a for the shopper's segment s and shows the best,
 * exploring a random item with probability ε. From each outcome it takes
 * one logistic step (label: reward > 0) on the segment's vector and bias
 * and on the item's vector and bias, with an L2 pull, as the model was
 * trained: online matrix factorisation, started from what the log taught.
 */
import { createRandom, type Random } from '../../random';
import {
  checkShape,
  type Agent,
  type Observation,
  type ProblemShape,
  type Transition,
} from '../contract';
import { epsilonGreedySlate } from './bandits';
import { checkSchedule, epsilonAt, type Schedule } from './schedule';
import type { CfPrior } from './log-prior';

export interface CfAgentSettings {
  /** Step size of the online logistic updates. */
  learningRate: number;
  /** L2 pull of each updated row towards zero. */
  l2: number;
  /** The share of decisions shown at random, over the decisions made. */
  exploration: Schedule;
}

export const CF_AGENT_DEFAULTS: CfAgentSettings = {
  learningRate: 0.05,
  l2: 0.001,
  exploration: { kind: 'constant', epsilon: 0.05 },
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class CfAgent implements Agent {
  readonly name = 'cf';
  private readonly rng: Random;
  private readonly d: number;
  private readonly item: Float32Array;
  private readonly itemBias: Float32Array;
  private readonly user: Float32Array;
  private readonly userBias: Float32Array;
  private readonly scores: Float64Array;
  /** Decisions made: where the exploration schedule stands. */
  private t = 0;

  constructor(
    private readonly shape: ProblemShape,
    seed: number,
    prior: CfPrior,
    private readonly settings: CfAgentSettings = CF_AGENT_DEFAULTS,
  ) {
    checkShape(shape);
    checkSchedule(settings.exploration);
    const segments = Math.max(1, shape.numSegments ?? 1);
    if (prior.itemBias.length !== shape.numActions)
      throw new RangeError(
        `the CF prior scores ${prior.itemBias.length} items; this problem has ${shape.numActions}`,
      );
    if (prior.userBias.length !== segments)
      throw new RangeError(
        `the CF prior has ${prior.userBias.length} segments; this problem has ${segments}`,
      );
    this.rng = createRandom(seed);
    this.d = prior.dim;
    // Copies: the agent learns, the prior stays as the log left it (a new race starts from it again).
    this.item = Float32Array.from(prior.item);
    this.itemBias = Float32Array.from(prior.itemBias);
    this.user = Float32Array.from(prior.user);
    this.userBias = Float32Array.from(prior.userBias);
    this.scores = new Float64Array(shape.numActions);
  }

  private segmentOf(o: Observation): number {
    const s = o.segment ?? 0;
    return s >= 0 && s < this.userBias.length ? s : 0;
  }

  /** The model's logit for segment s and action a. */
  private logit(s: number, a: number): number {
    const d = this.d;
    let z = this.userBias[s]! + this.itemBias[a]!;
    for (let k = 0; k < d; k++) z += this.user[s * d + k]! * this.item[a * d + k]!;
    return z;
  }

  private score(o: Observation): void {
    const s = this.segmentOf(o);
    for (let a = 0; a < this.shape.numActions; a++) this.scores[a] = this.logit(s, a);
  }

  act(o: Observation): number {
    return this.rank(o, 1)[0]!;
  }

  rank(o: Observation, k: number): Int32Array {
    this.score(o);
    return epsilonGreedySlate(
      this.scores,
      epsilonAt(this.settings.exploration, this.t++),
      k,
      this.rng,
    );
  }

  learn(t: Transition): void {
    const s = this.segmentOf(t.observation);
    const a = t.action;
    const d = this.d;
    const { learningRate: lr, l2 } = this.settings;
    // The gradient of the log-likelihood of the outcome, engaged or not.
    const g = (t.reward > 0 ? 1 : 0) - sigmoid(this.logit(s, a));
    for (let k = 0; k < d; k++) {
      const u = this.user[s * d + k]!;
      const v = this.item[a * d + k]!;
      this.user[s * d + k] = u + lr * (g * v - l2 * u);
      this.item[a * d + k] = v + lr * (g * u - l2 * v);
    }
    this.userBias[s]! += lr * g;
    this.itemBias[a]! += lr * g;
  }
}
