import { beforeAll, describe, expect, it } from 'vitest';
import { demoRaceConfig, DEMO_RACE_PACE } from '../../../src/core/rl/lab/config';
import {
  curveAt,
  raceStory,
  storyText,
  STORY,
  STORY_MIN_DECISIONS,
  type RacerCurves,
} from '../../../src/core/rl/lab/story';
import { runRace } from '../helpers/race';
import { useCpu } from '../helpers/setup-tf';

beforeAll(useCpu);

/** A racer whose regret per decision is `early` for the first third and `late` after. */
function racer(label: string, early: number, late: number, ctr: number, baseline = false) {
  const xs = Array.from({ length: 31 }, (_, i) => i * 100);
  const regretAt = (x: number) => (x <= 1000 ? early * x : early * 1000 + late * (x - 1000));
  return {
    label,
    baseline,
    reward: xs.map((x) => ({ x, y: ctr * x })),
    regret: xs.map((x) => ({ x, y: regretAt(x) })),
    ctr: xs.map((x) => ({ x, y: ctr })),
  } satisfies RacerCurves;
}

describe('the race story', () => {
  it('interpolates a curve from (0, 0) and holds its last value past the end', () => {
    const c = [
      { x: 10, y: 5 },
      { x: 20, y: 25 },
    ];
    expect(curveAt(c, 5)).toBeCloseTo(2.5);
    expect(curveAt(c, 15)).toBeCloseTo(15);
    expect(curveAt(c, 20)).toBe(25);
    expect(curveAt(c, 99)).toBe(25);
    expect(curveAt([], 3)).toBe(0);
  });

  it('finds the leader by reward and measures its click ratio and its bend', () => {
    const s = raceStory([
      racer('random', 0.5, 0.5, 0.1, true),
      racer('UCB1', 0.4, 0.3, 0.2),
      racer('LinUCB', 0.4, 0.1, 0.3),
    ])!;
    expect(s.leader).toBe('LinUCB');
    expect(s.baseline).toBe('random');
    expect(s.decisions).toBe(3000);
    expect(s.ctrRatio).toBeCloseTo(3);
    expect(s.slopeFirst).toBeCloseTo(0.4);
    expect(s.slopeLast).toBeCloseTo(0.1);
    expect(s.bend).toBeCloseTo(0.25);
    expect(s.learned).toBe(true);
    expect(storyText(s)).toMatch(
      /LinUCB got a click 30% of the time, 3\.0× the random baseline’s 10%/,
    );
    expect(storyText(s)).toMatch(/4\.0× slower than in the first third/);
  });

  it('says so when the leader has not bent its regret enough, or not at all', () => {
    const slow = raceStory([racer('random', 0.5, 0.5, 0.1, true), racer('UCB1', 0.4, 0.3, 0.2)])!;
    expect(slow.bend).toBeCloseTo(0.75);
    expect(slow.learned).toBe(false);
    expect(storyText(slow)).toMatch(
      /grows 25% slower than in the first third: it is still learning/,
    );
    const flat = raceStory([racer('random', 0.5, 0.5, 0.1, true), racer('UCB1', 0.4, 0.4, 0.1)])!;
    expect(flat.learned).toBe(false);
    expect(storyText(flat)).toMatch(/nothing learned yet/);
  });

  it('has nothing to tell without a baseline, without a learner, or too early', () => {
    expect(raceStory([racer('UCB1', 0.4, 0.1, 0.3)])).toBeNull();
    expect(raceStory([racer('random', 0.5, 0.5, 0.1, true)])).toBeNull();
    const early = (r: RacerCurves): RacerCurves => ({
      ...r,
      regret: r.regret.filter((p) => p.x < STORY_MIN_DECISIONS),
    });
    expect(
      raceStory([early(racer('random', 0.5, 0.5, 0.1, true)), early(racer('UCB1', 0.4, 0.1, 0.3))]),
    ).toBeNull();
  });
});

/**
 * The claim the lab makes for its demo race (the home page: "the learners
 * pull ahead as their regret bends"), checked over the decisions 30 s give
 * at the demo's pace, on its own seed (1) and seven more. The bench times
 * the same race in the page.
 */
describe('the demo race, as long as 30 s at its pace', () => {
  const rounds = DEMO_RACE_PACE * 30;
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
  const stories = new Map<number, Promise<NonNullable<ReturnType<typeof raceStory>>>>();
  const storyOf = (seed: number) => {
    let s = stories.get(seed);
    if (!s) {
      const config = { ...demoRaceConfig(), seed };
      s = runRace(config, rounds).then(({ curves }) => {
        const story = raceStory(curves)!;
        expect(story.decisions).toBe(rounds * config.population);
        return story;
      });
      stories.set(seed, s);
    }
    return s;
  };

  it.each(SEEDS)('seed %i: a learner leads and out-clicks random by 1.5×', async (seed) => {
    const story = await storyOf(seed);
    expect(story.leader).not.toBe('random');
    expect(story.ctrRatio).toBeGreaterThanOrEqual(STORY.ctrRatio);
  });

  it('the leader’s regret bends on the demo’s seed and on all but one of the eight, and the page says which', async () => {
    const all = await Promise.all(SEEDS.map(storyOf));
    for (const story of all) expect(story.learned).toBe(story.bend <= STORY.bend);
    expect(all[0]!.learned).toBe(true);
    expect(storyText(all[0]!)).toMatch(/it has learned what these shoppers click/);
    // Seed 3's leader (LinUCB) is still bending at 30 s (0.62 of its first third's slope).
    const still = all.filter((s) => !s.learned);
    expect(still.length).toBeLessThanOrEqual(1);
    for (const s of still) expect(storyText(s)).toMatch(/it is still learning/);
  });
});
