/**
 * Small explicit Markov decision processes and value iteration, so the app
 * can show the Bellman optimality equation the right way:
 *
 *   V*(s) = max_a [ R(s,a) + γ Σ_s' p(s'|s,a) V*(s') ]
 *
 * (article 002 writes max_a Σ_s' p(s'|s,a) R(s,a) V*(s'), a product, which
 * has no discount and makes V* = 0 a solution whatever the rewards).
 */

export interface Mdp {
  numStates: number;
  numActions: number;
  /** p(s'|s,a) at [(s * numActions + a) * numStates + s']; each (s, a) row sums to 1. */
  transitions: Float64Array;
  /** R(s,a) at [s * numActions + a]: the expected reward of taking a in s. */
  rewards: Float64Array;
}

export interface MdpSolution {
  /** V*(s). */
  values: Float64Array;
  /** Q*(s,a) at [s * numActions + a]. */
  q: Float64Array;
  /** A greedy optimal action per state. */
  policy: Int32Array;
  iterations: number;
}

/** Builds an MDP from nested arrays P[s][a][s'] and R[s][a], checking every row. */
export function mdpFrom(p: number[][][], r: number[][]): Mdp {
  const numStates = p.length;
  const numActions = p[0]?.length ?? 0;
  if (numStates === 0 || numActions === 0) throw new RangeError('an MDP needs states and actions');
  const transitions = new Float64Array(numStates * numActions * numStates);
  const rewards = new Float64Array(numStates * numActions);
  for (let s = 0; s < numStates; s++) {
    if (p[s]!.length !== numActions || r[s]?.length !== numActions)
      throw new RangeError(`state ${s} must have ${numActions} actions in P and R`);
    for (let a = 0; a < numActions; a++) {
      const row = p[s]![a]!;
      if (row.length !== numStates)
        throw new RangeError(
          `p(·|${s},${a}) must give a probability for each of ${numStates} states`,
        );
      if (row.some((v) => !(v >= 0 && v <= 1)))
        throw new RangeError(`p(·|${s},${a}) has a value outside [0, 1]`);
      const sum = row.reduce((x, y) => x + y, 0);
      if (Math.abs(sum - 1) > 1e-9) throw new RangeError(`p(·|${s},${a}) sums to ${sum}, not 1`);
      const reward = r[s]![a]!;
      if (!Number.isFinite(reward)) throw new RangeError(`R(${s},${a}) must be finite`);
      transitions.set(row, (s * numActions + a) * numStates);
      rewards[s * numActions + a] = reward;
    }
  }
  return { numStates, numActions, transitions, rewards };
}

/** Q(s,a) = R(s,a) + γ Σ p(s'|s,a) V(s'), for all s, a. */
function backup(m: Mdp, gamma: number, values: Float64Array, q: Float64Array): void {
  const { numStates: S, numActions: A, transitions, rewards } = m;
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      let expected = 0;
      const row = (s * A + a) * S;
      for (let t = 0; t < S; t++) expected += transitions[row + t]! * values[t]!;
      q[s * A + a] = rewards[s * A + a]! + gamma * expected;
    }
}

/**
 * Value iteration: apply the Bellman optimality backup until no value moves by
 * more than `tolerance`. With γ < 1 the backup is a contraction, so this converges.
 */
export function valueIteration(
  m: Mdp,
  gamma: number,
  tolerance = 1e-10,
  maxIterations = 100_000,
): MdpSolution {
  if (!(gamma >= 0 && gamma < 1)) throw new RangeError(`γ must be in [0, 1), got ${gamma}`);
  const { numStates: S, numActions: A } = m;
  let values = new Float64Array(S);
  const q = new Float64Array(S * A);
  let iterations = 0;
  for (;;) {
    backup(m, gamma, values, q);
    const next = new Float64Array(S);
    let delta = 0;
    for (let s = 0; s < S; s++) {
      let best = -Infinity;
      for (let a = 0; a < A; a++) best = Math.max(best, q[s * A + a]!);
      next[s] = best;
      delta = Math.max(delta, Math.abs(best - values[s]!));
    }
    values = next;
    iterations++;
    if (delta <= tolerance) break;
    if (iterations >= maxIterations)
      throw new Error(`value iteration did not converge in ${maxIterations} iterations`);
  }
  backup(m, gamma, values, q);
  const policy = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    let best = 0;
    for (let a = 1; a < A; a++) if (q[s * A + a]! > q[s * A + best]!) best = a;
    policy[s] = best;
  }
  return { values, q, policy, iterations };
}

/** Article 002's rewards: R = [[1,0],[0,1],[1,0]] for 3 states and 2 actions. */
export const ARTICLE_REWARDS = [
  [1, 0],
  [0, 1],
  [1, 0],
];
/** Article 002's 3×2 "transition" table, which is not a full p(s'|s,a). */
export const ARTICLE_TABLE = [
  [0.7, 0.3],
  [0.2, 0.8],
  [0.1, 0.9],
];

/**
 * The article's example made a well-defined MDP. Its table has one number per
 * (state, action), not a distribution over next states, so we read T[s][a] as
 * the chance that action a in state s keeps the shopper in s, and otherwise
 * the shopper moves on to the next state (s + 1, wrapping to 0). Every
 * p(·|s,a) then sums to 1 and the article's rewards apply unchanged.
 */
export function articleMdp(): Mdp {
  const S = ARTICLE_TABLE.length;
  const p = ARTICLE_TABLE.map((row, s) =>
    row.map((stay) => {
      const dist = new Array<number>(S).fill(0);
      dist[s] = stay;
      dist[(s + 1) % S]! += 1 - stay;
      return dist;
    }),
  );
  return mdpFrom(p, ARTICLE_REWARDS);
}

/** One sweep of value iteration, as the lab's stepper shows it. */
export interface ValueSweep {
  /** V_k(s) after k sweeps. */
  values: number[];
  /** Q_k(s,a) = R(s,a) + γ Σ p(s'|s,a) V_{k−1}(s'), row-major. */
  q: number[];
  /** The greedy action per state under Q_k. */
  policy: number[];
}

/** The first `sweeps` sweeps of value iteration from V_0 = 0 (sweep 0 is V_0 itself). */
export function valueIterationTrace(m: Mdp, gamma: number, sweeps: number): ValueSweep[] {
  if (!(gamma >= 0 && gamma < 1)) throw new RangeError(`γ must be in [0, 1), got ${gamma}`);
  const { numStates: S, numActions: A } = m;
  let values = new Float64Array(S);
  const q = new Float64Array(S * A);
  const out: ValueSweep[] = [
    { values: Array.from(values), q: Array.from(q), policy: new Array<number>(S).fill(0) },
  ];
  for (let k = 1; k <= sweeps; k++) {
    backup(m, gamma, values, q);
    const next = new Float64Array(S);
    const policy: number[] = [];
    for (let s = 0; s < S; s++) {
      let best = 0;
      for (let a = 1; a < A; a++) if (q[s * A + a]! > q[s * A + best]!) best = a;
      policy.push(best);
      next[s] = q[s * A + best]!;
    }
    values = next;
    out.push({ values: Array.from(values), q: Array.from(q), policy });
  }
  return out;
}
