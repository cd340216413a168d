import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { ganConfigError } from '../../../src/core/gan/config';
import { LESSONS, lessonById } from '../../../src/core/lessons/lessons';
import { lessonConfig } from '../../../src/core/lessons/setup';
import { opeSettingsRequest } from '../../../src/core/rl/ope/request';
import { atStep, finished, parseProgress, progressLine } from '../../../src/core/lessons/progress';
import { recsysConfigError } from '../../../src/core/rl/lab/config';
import { logModelConfigError } from '../../../src/core/rl/models/log-model-config';

describe('the lessons', () => {
  it('are the six the lessons issue names, the log lesson and the off-policy one, each with a few steps and a unique id', () => {
    expect(LESSONS.map((l) => l.title)).toEqual([
      'What a GAN is',
      'The article’s MNIST GAN and its four bugs',
      'Mode collapse and how to spot it',
      'Explore vs exploit',
      'From Q-table to DQN',
      'Designing a reward',
      'From a log to a recommender',
      'Judging a recommender on an old log',
    ]);
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    for (const l of LESSONS) {
      expect(l.steps.length).toBeGreaterThanOrEqual(4);
      expect(lessonById(l.id)).toBe(l);
    }
  });

  it('set their labs up with settings the labs accept', () => {
    let setups = 0;
    for (const l of LESSONS) {
      for (const s of l.steps) {
        if (!s.setup) continue;
        setups++;
        expect(s.action, `${l.id}: “${s.title}” needs a button label`).toBeTruthy();
        if (s.setup.lab === 'gan') {
          const c = lessonConfig(s.setup);
          expect(ganConfigError(c), `${l.id}: ${s.title}`).toBeNull();
          expect(c.model).toBe(s.setup.model);
          // A lesson's lab is the lesson's topic.
          expect(l.topic).toBe('gan');
        } else if (s.setup.lab === 'recsys') {
          const c = lessonConfig(s.setup);
          expect(recsysConfigError(c), `${l.id}: ${s.title}`).toBeNull();
          expect(c.agents.map((a) => a.kind)).toEqual(s.setup.agents.map((a) => a.kind));
          expect(l.topic).toBe('rl');
        } else if (s.setup.lab === 'log-model') {
          expect(logModelConfigError(lessonConfig(s.setup)), `${l.id}: ${s.title}`).toBeNull();
          expect(l.topic).toBe('rl');
        } else if (s.setup.lab === 'ope') {
          // The simulator's log (a lesson cannot count on a log of the reader's own).
          const settings = lessonConfig(s.setup);
          expect(settings.source).toBe('simulated');
          expect(opeSettingsRequest(settings, null, null), `${l.id}: ${s.title}`).toHaveProperty(
            'policies',
          );
          expect(l.topic).toBe('rl');
        } else {
          // A race from a log needs CF trained on a simulator's log in an earlier step (its prior).
          const trained = l.steps
            .slice(0, l.steps.indexOf(s))
            .map((p) => p.setup)
            .findLast((p) => p?.lab === 'log-model');
          expect(trained, `${l.id}: ${s.title}`).toBeDefined();
          if (trained?.lab === 'log-model') expect(lessonConfig(trained).model).toBe('cf');
        }
      }
    }
    expect(setups).toBeGreaterThanOrEqual(12);
  });

  it('have formulas KaTeX renders', () => {
    let formulas = 0;
    for (const l of LESSONS)
      for (const s of l.steps)
        for (const t of s.tex ?? []) {
          formulas++;
          expect(
            () => katex.renderToString(t, { throwOnError: true, output: 'mathml' }),
            t,
          ).not.toThrow();
        }
    expect(formulas).toBeGreaterThanOrEqual(15);
  });

  it('keep the lesson’s settings over the preset, not the preset’s', () => {
    const collapse = lessonById('mode-collapse')!.steps[0]!.setup!;
    expect(collapse.lab).toBe('gan');
    if (collapse.lab !== 'gan') return;
    const c = lessonConfig(collapse);
    expect([c.loss, c.toyDistribution, c.learningRateG]).toEqual(['minimax', 'grid', 5e-3]);
    const reward = lessonById('designing-a-reward')!.steps[1]!.setup!;
    if (reward.lab !== 'recsys') throw new Error('a recommender setup was expected');
    expect(lessonConfig(reward).reward).toBe('purchased * price');
  });
});

describe('lesson progress', () => {
  const gan = lessonById('what-a-gan-is')!;
  const bandits = lessonById('explore-exploit')!;

  it('records the step and the finish, and says so', () => {
    let p = parseProgress(null);
    expect(progressLine(p, gan)).toBe('Not started');
    p = atStep(p, gan, 2);
    expect(progressLine(p, gan)).toBe(`Step 3 of ${gan.steps.length}`);
    p = finished(p, gan);
    expect(progressLine(p, gan)).toBe('Done');
    expect(p[gan.id]).toEqual({ step: 0, done: true });
    // A finished lesson reopened and left half-way stays finished.
    p = atStep(p, gan, 1);
    expect(p[gan.id]).toEqual({ step: 1, done: true });
    expect(progressLine(p, bandits)).toBe('Not started');
  });

  it('survives a round trip through storage', () => {
    const p = atStep(finished({}, gan), bandits, 3);
    expect(parseProgress(JSON.stringify(p))).toEqual(p);
  });

  it('drops what no longer makes sense instead of failing', () => {
    expect(parseProgress('{not json')).toEqual({});
    expect(parseProgress('[1,2]')).toEqual({});
    expect(parseProgress('null')).toEqual({});
    const text = JSON.stringify({
      'what-a-gan-is': { step: 99, done: false },
      'explore-exploit': { step: 'two', done: false },
      'a-lesson-since-removed': { step: 1, done: true },
    });
    expect(parseProgress(text)).toEqual({
      'what-a-gan-is': { step: gan.steps.length - 1, done: false },
    });
  });
});
