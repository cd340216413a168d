/**
 * The small contract between problems and learners. Any problem that says
 * how many actions it has, optionally gives a context vector or a discrete
 * state, and pays a reward can be tried with every agent here: our simulated
 * shops, the bandits in tests, or a team's own problem.
 */

/** What an agent sees before it acts. */
export interface Observation {
  /** A discrete state id in [0, numStates) for tabular agents; 0 when the problem has one state. */
  state: number;
  /**
   * A feature vector of length `contextSize` for contextual agents, or null.
   * A loop may refill it once the agent has learned from the step (the fast
   * path does): an agent copies what it keeps.
   */
  context: Float64Array | null;
  /**
   * The group the problem knows this user by (a shop's customer segment), in
   * [0, numSegments); absent when the problem has no groups.
   */
  segment?: number;
}

export interface StepResult<Info = unknown> {
  observation: Observation;
  reward: number;
  /** The episode (shopper session) ended; the next step needs `reset`. */
  done: boolean;
  info: Info;
  /**
   * For slates (K > 1): the reward credited to each shown position, so
   * per-item learners get semi-bandit feedback. Absent when K = 1.
   */
  slateRewards?: Float64Array;
}

/** A problem to learn on: Gym's reset/step with a fixed number of actions. */
export interface Environment<Info = unknown> {
  readonly numActions: number;
  /** Discrete states for tabular agents (1 when stateless). */
  readonly numStates: number;
  /** Length of `Observation.context` (0 when there is none). */
  readonly contextSize: number;
  /** Items shown per step (K); absent means 1, and `step` gets a single action. */
  readonly slateSize?: number;
  /** Groups its observations name (`Observation.segment`); absent means none. */
  readonly numSegments?: number;
  /** Starts an episode; with a seed, first restarts the problem's random stream from it (Gym's reset(seed)). */
  reset(seed?: number): Observation;
  /** Takes an action, or for K > 1 a slate of K distinct actions, best first. */
  step(action: number | ArrayLike<number>): StepResult<Info>;
}

/** One experience, as agents learn from it. */
export interface Transition {
  observation: Observation;
  action: number;
  reward: number;
  next: Observation;
  done: boolean;
}

/** A learner: picks an action, then learns from what it caused. */
export interface Agent {
  readonly name: string;
  act(observation: Observation): number;
  learn(t: Transition): void;
  /** The k actions it would take, best first (for slates); agents without it handle K = 1 only. */
  rank?(observation: Observation, k: number): Int32Array;
  /**
   * Catches up with work queued on the compute backend (DQN reads its trained
   * weights back here, asynchronously, as WebGPU requires). Loops await it
   * between chunks of steps; agents without it need no catching up.
   */
  sync?(): Promise<void>;
  /** Frees what the agent holds on the backend (tensors). */
  dispose?(): void;
}

/** The problem's shape, as agents are built for it. */
export interface ProblemShape {
  numActions: number;
  numStates: number;
  contextSize: number;
  /** Groups its observations name (`Observation.segment`); absent means none. */
  numSegments?: number;
}

/** Throws a RangeError naming the first bad part of a problem shape. */
export function checkShape(p: ProblemShape): void {
  if (!Number.isInteger(p.numActions) || p.numActions < 1)
    throw new RangeError(`numActions must be a whole number ≥ 1, got ${p.numActions}`);
  if (!Number.isInteger(p.numStates) || p.numStates < 1)
    throw new RangeError(`numStates must be a whole number ≥ 1, got ${p.numStates}`);
  if (!Number.isInteger(p.contextSize) || p.contextSize < 0)
    throw new RangeError(`contextSize must be a whole number ≥ 0, got ${p.contextSize}`);
  if (p.numSegments !== undefined && !(Number.isInteger(p.numSegments) && p.numSegments >= 1))
    throw new RangeError(`numSegments must be a whole number ≥ 1, got ${p.numSegments}`);
}

/** Index of the largest value; ties go to a random one of them, so no arm is favoured by position. */
export function argmaxRandomTie(values: ArrayLike<number>, next: () => number): number {
  let best = -Infinity;
  let count = 0;
  let pick = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > best) {
      best = v;
      count = 1;
      pick = i;
    } else if (v === best) {
      count++;
      // Reservoir sampling: each tied index ends up chosen with probability 1/count.
      if (next() * count < 1) pick = i;
    }
  }
  return pick;
}
