/**
 * Exploration schedules: how the chance of trying something other than the
 * best-known action changes with time t (the number of decisions made).
 */

export type Schedule =
  /** The same epsilon forever. */
  | { kind: 'constant'; epsilon: number }
  /** From `start` down to `end` by a factor `decay` per decision: start * decay^t, floored at end. */
  | { kind: 'exponential'; start: number; end: number; decay: number }
  /** Straight from `start` to `end` over `steps` decisions, then `end`. */
  | { kind: 'linear'; start: number; end: number; steps: number };

function probability(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0 && v <= 1))
    throw new RangeError(`${name} must be a probability from 0 to 1, got ${v}`);
}

/** Throws a RangeError naming the first bad field of a schedule. */
export function checkSchedule(s: Schedule): void {
  if (s.kind === 'constant') return probability('epsilon', s.epsilon);
  probability('start', s.start);
  probability('end', s.end);
  if (s.kind === 'exponential' && !(s.decay > 0 && s.decay <= 1))
    throw new RangeError(`decay must be in (0, 1], got ${s.decay}`);
  if (s.kind === 'linear' && !(Number.isInteger(s.steps) && s.steps >= 1))
    throw new RangeError(`steps must be a whole number ≥ 1, got ${s.steps}`);
}

/** Epsilon after t decisions. */
export function epsilonAt(s: Schedule, t: number): number {
  switch (s.kind) {
    case 'constant':
      return s.epsilon;
    case 'exponential':
      return Math.max(s.end, s.start * s.decay ** t);
    case 'linear':
      return t >= s.steps ? s.end : s.start + ((s.end - s.start) * t) / s.steps;
  }
}
