/**
 * Every recommender lesson step that tells the learner what they will see is
 * run here with the step's own settings, for as many decisions as the claim
 * needs, and the claim is checked on the curves and counts the page shows
 * (three seeds each). Where the shop did not do what a text said, the text
 * was changed to what it does. The bench times the same races in the page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lesson, RecsysLessonSetup } from '../../../src/core/lessons/lesson';
import { DESIGN_REWARD, EXPLORE_EXPLOIT, Q_TO_DQN } from '../../../src/core/lessons/rl-lessons';
import { lessonConfig } from '../../../src/core/lessons/setup';
import { curveAt, regretBend } from '../../../src/core/rl/lab/story';
import { clickRate, conversion, runRace, type RaceResult } from '../helpers/race';
import { useCpu } from '../helpers/setup-tf';

beforeAll(useCpu);

/** Decisions per agent each claim is checked at: a lesson race's first minute or two in the lab. */
const LESSON_DECISIONS = 12_000;
const SEEDS = [1, 2, 3];

/** The setup the step with this title runs (the step itself, or the one before it that started the race). */
function setupOf(lesson: Lesson, title: string): RecsysLessonSetup {
  const at = lesson.steps.findIndex((s) => s.title === title);
  expect(at, `${lesson.id} has a step “${title}”`).toBeGreaterThanOrEqual(0);
  for (let i = at; i >= 0; i--) {
    const setup = lesson.steps[i]!.setup;
    if (setup?.lab === 'recsys') return setup;
  }
  throw new Error(`no race before “${title}”`);
}

const races = new Map<string, Promise<RaceResult>>();
/** The step's race for one seed; steps that share a race share its run. */
function race(lesson: Lesson, title: string, seed: number): Promise<RaceResult> {
  const setup = setupOf(lesson, title);
  const key = `${JSON.stringify(setup)}/${seed}`;
  let run = races.get(key);
  if (!run) {
    const config = { ...lessonConfig(setup), seed };
    run = runRace(config, LESSON_DECISIONS / config.population, 100);
    races.set(key, run);
  }
  return run;
}

const byKind = (r: RaceResult, kind: string) => {
  const k = r.curves.findIndex((c) => c.label === kind);
  expect(k, `${kind} races`).toBeGreaterThanOrEqual(0);
  return { curves: r.curves[k]!, funnel: r.funnels[k]! };
};

describe('Explore vs exploit', () => {
  it.each(SEEDS)(
    'ε-greedy, seed %i: from the first third on (4,000 decisions) every learner’s regret stays below random’s',
    async (seed) => {
      const r = await race(EXPLORE_EXPLOIT, 'ε-greedy', seed);
      const random = byKind(r, 'random').curves.regret;
      // Thompson sampling tries every item first: on seed 2 it runs level with random to about 3,000.
      for (const learner of r.curves.filter((c) => !c.baseline))
        for (const p of learner.regret.filter((p) => p.x >= r.decisions / 3))
          expect(p.y, `${learner.label} at ${p.x}`).toBeLessThan(curveAt(random, p.x));
    },
  );

  it.each(SEEDS)(
    'Thompson sampling, seed %i: the learners’ regret bends, and none goes flat',
    async (seed) => {
      const r = await race(EXPLORE_EXPLOIT, 'Thompson sampling: belief', seed);
      expect(regretBend(byKind(r, 'random').curves.regret, r.decisions).bend).toBeGreaterThan(0.9);
      for (const learner of r.curves.filter((c) => !c.baseline)) {
        const { bend } = regretBend(learner.regret, r.decisions);
        expect(bend, learner.label).toBeLessThan(1);
        expect(bend, learner.label).toBeGreaterThan(0.5);
      }
    },
  );
});

describe('From Q-table to DQN', () => {
  it.each(SEEDS)(
    'state matters, seed %i: Q-learning pulls ahead of UCB1 early and stays ahead',
    async (seed) => {
      const r = await race(Q_TO_DQN, 'State matters', seed);
      const q = byKind(r, 'qlearning').curves.reward;
      const ucb = byKind(r, 'ucb').curves.reward;
      for (const p of q.filter((p) => p.x >= r.decisions / 10))
        expect(p.y, `at ${p.x}`).toBeGreaterThan(curveAt(ucb, p.x));
    },
  );
});

describe('Designing a reward', () => {
  it.each(SEEDS)(
    'clicks are not sales, seed %i: on the sparser revenue reward both agents click and convert less than on clicks, and Q-learning still wins',
    async (seed) => {
      const clicks = await race(DESIGN_REWARD, 'The reward is the goal', seed);
      const revenue = await race(DESIGN_REWARD, 'Clicks are not sales', seed);
      for (const kind of ['ucb', 'qlearning']) {
        const onClicks = byKind(clicks, kind).funnel;
        const onRevenue = byKind(revenue, kind).funnel;
        expect(clickRate(onRevenue), kind).toBeLessThan(clickRate(onClicks));
        expect(conversion(onRevenue), kind).toBeLessThan(conversion(onClicks));
      }
      const reward = (kind: string) => byKind(revenue, kind).curves.reward.at(-1)!.y;
      expect(reward('qlearning')).toBeGreaterThan(reward('ucb'));
    },
  );

  it.each(SEEDS)(
    'what you reward, seed %i: paid for dwell, the agents click within a fifth of their rate on clicks and convert more than on revenue',
    async (seed) => {
      const clicks = await race(DESIGN_REWARD, 'The reward is the goal', seed);
      const revenue = await race(DESIGN_REWARD, 'Clicks are not sales', seed);
      const dwell = await race(DESIGN_REWARD, 'What you reward is what you get', seed);
      const q = (r: RaceResult) => byKind(r, 'qlearning').funnel;
      expect(Math.abs(clickRate(q(dwell)) / clickRate(q(clicks)) - 1)).toBeLessThan(0.2);
      expect(conversion(q(dwell))).toBeGreaterThan(conversion(q(revenue)));
    },
  );
});
