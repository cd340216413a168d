/**
 * What a race shows a newcomer, in two figures: whether the leader clicks
 * more often than the random baseline by now, and whether its regret curve
 * bent (it now loses less per decision than it did at first). The page
 * prints them as a sentence, the lab's claim test and the bench check them.
 * Pure arithmetic on the curves the page already has.
 */

/** A curve point: x decisions, y the value there. */
export interface CurvePoint {
  x: number;
  y: number;
}

export interface RacerCurves {
  label: string;
  /** The random baseline (an agent that never learns). */
  baseline: boolean;
  /** Cumulative reward and regret, and the click rate over the last decisions, by decisions. */
  reward: readonly CurvePoint[];
  regret: readonly CurvePoint[];
  ctr: readonly CurvePoint[];
}

export interface RaceStory {
  decisions: number;
  leader: string;
  baseline: string;
  /** Click rates over about the last 500 decisions (the CTR curve's moving average). */
  leaderCtr: number;
  baselineCtr: number;
  /** leaderCtr / baselineCtr (Infinity when the baseline never clicked and the leader did). */
  ctrRatio: number;
  /** The leader's regret per decision over the first and the last third of the run. */
  slopeFirst: number;
  slopeLast: number;
  /** slopeLast / slopeFirst: under 1, the curve bends flat. */
  bend: number;
  /** Both targets met: ctrRatio ≥ STORY.ctrRatio and bend ≤ STORY.bend. */
  learned: boolean;
}

/** What "learned" means on screen, the same in the lab's test and the bench. */
export const STORY = { ctrRatio: 1.5, bend: 0.5 } as const;

/** Decisions a race needs before its thirds say anything (a few hundred per third). */
export const STORY_MIN_DECISIONS = 1500;

/** y at x on a piecewise-linear curve through `points` (sorted by x), from (0, 0). */
export function curveAt(points: readonly CurvePoint[], x: number): number {
  let px = 0;
  let py = 0;
  for (const p of points) {
    if (p.x >= x) return p.x === px ? p.y : py + ((p.y - py) * (x - px)) / (p.x - px);
    px = p.x;
    py = p.y;
  }
  return py;
}

const last = (points: readonly CurvePoint[]): CurvePoint | undefined => points[points.length - 1];

/**
 * A cumulative-regret curve's regret per decision over the first and the last
 * third of [0, end], and their ratio (under 1: the curve bends flat; a curve
 * with no regret at first has nothing left to bend, and counts as flat).
 */
export function regretBend(
  regret: readonly CurvePoint[],
  end: number,
): { slopeFirst: number; slopeLast: number; bend: number } {
  const third = end / 3;
  const slopeFirst = curveAt(regret, third) / third;
  const slopeLast = (curveAt(regret, end) - curveAt(regret, 2 * third)) / third;
  return { slopeFirst, slopeLast, bend: slopeFirst > 0 ? slopeLast / slopeFirst : 0 };
}

/**
 * The race's story once it has run long enough and has a baseline and a
 * learner; null before. The leader is the learner with the most reward.
 */
export function raceStory(racers: readonly RacerCurves[]): RaceStory | null {
  const baseline = racers.find((r) => r.baseline);
  const learners = racers.filter((r) => !r.baseline && r.reward.length > 0);
  if (!baseline || learners.length === 0) return null;
  const leader = learners.reduce((a, b) =>
    (last(b.reward)?.y ?? 0) > (last(a.reward)?.y ?? 0) ? b : a,
  );
  const end = Math.min(last(leader.regret)?.x ?? 0, last(baseline.ctr)?.x ?? 0);
  if (end < STORY_MIN_DECISIONS) return null;
  const { slopeFirst, slopeLast, bend } = regretBend(leader.regret, end);
  const leaderCtr = curveAt(leader.ctr, end);
  const baselineCtr = curveAt(baseline.ctr, end);
  const ctrRatio = baselineCtr > 0 ? leaderCtr / baselineCtr : leaderCtr > 0 ? Infinity : 1;
  return {
    decisions: end,
    leader: leader.label,
    baseline: baseline.label,
    leaderCtr,
    baselineCtr,
    ctrRatio,
    slopeFirst,
    slopeLast,
    bend,
    learned: ctrRatio >= STORY.ctrRatio && bend <= STORY.bend,
  };
}

const times = (r: number) => (Number.isFinite(r) ? `${r.toFixed(1)}×` : 'infinitely');
const percent = (v: number) => `${(v * 100).toFixed(0)}%`;

/** The story in one or two sentences, as the race page prints it. */
export function storyText(s: RaceStory): string {
  const clicks = `Over about the last 500 decisions ${s.leader} got a click ${percent(s.leaderCtr)} of the time, ${times(s.ctrRatio)} the ${s.baseline} baseline’s ${percent(s.baselineCtr)}.`;
  const regret =
    s.bend <= STORY.bend
      ? `Its regret now grows ${times(1 / Math.max(s.bend, 1e-9))} slower than in the first third of the race: it has learned what these shoppers click.`
      : s.bend < 1
        ? `Its regret grows ${percent(1 - s.bend)} slower than in the first third: it is still learning, or has learned all it can from what the shop shows it.`
        : `Its regret grows no slower than at the start: nothing learned yet.`;
  return `${clicks} ${regret}`;
}
