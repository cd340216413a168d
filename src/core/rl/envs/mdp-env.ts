/**
 * An explicit MDP (mdp.ts) played as an environment: from state s, action a
 * pays R(s,a) and moves to s' drawn from p(·|s,a). It never ends by itself;
 * with a discount that is the setting whose Q* value iteration computes, so
 * a tabular learner can be checked against it.
 */
import { createRandom, type Random } from '../../random';
import type { Environment, Observation, StepResult } from '../contract';
import type { Mdp } from '../mdp';

export class MdpEnv implements Environment<null> {
  readonly numActions: number;
  readonly numStates: number;
  readonly contextSize = 0;
  private state = 0;
  private rng: Random;

  constructor(
    private readonly mdp: Mdp,
    seed: number,
    private readonly start = 0,
  ) {
    this.numActions = mdp.numActions;
    this.numStates = mdp.numStates;
    this.rng = createRandom(seed);
  }

  reset(seed?: number): Observation {
    if (seed !== undefined) this.rng = createRandom(seed);
    this.state = this.start;
    return { state: this.state, context: null };
  }

  step(action: number | ArrayLike<number>): StepResult<null> {
    const a = typeof action === 'number' ? action : action[0]!;
    const { numStates: S, numActions: A, transitions, rewards } = this.mdp;
    if (!(Number.isInteger(a) && a >= 0 && a < A)) throw new RangeError(`actions are 0-${A - 1}`);
    const row = (this.state * A + a) * S;
    const reward = rewards[this.state * A + a]!;
    let u = this.rng.next();
    let next = S - 1;
    for (let t = 0; t < S; t++) {
      u -= transitions[row + t]!;
      if (u < 0) {
        next = t;
        break;
      }
    }
    this.state = next;
    return { observation: { state: next, context: null }, reward, done: false, info: null };
  }
}
