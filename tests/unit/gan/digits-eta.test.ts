import { describe, expect, it } from 'vitest';
import { presetFor } from '../../../src/core/gan/config';
import { digitsEta, etaText, STEPS_TO_DIGITS } from '../../../src/core/gan/digits-eta';

describe('how long until digits', () => {
  const quick = presetFor('conditional-mlp');

  it('counts down from the preset’s measured steps, timed at the run’s speed', () => {
    const steps = STEPS_TO_DIGITS['conditional-mlp']!;
    expect(digitsEta(quick, 0, 0)).toEqual({ steps, left: steps, seconds: null });
    expect(digitsEta(quick, 500, 20)).toEqual({
      steps,
      left: steps - 500,
      seconds: (steps - 500) / 20,
    });
    expect(digitsEta(quick, steps + 10, 20)!.left).toBe(0);
  });

  it('holds for any seed, but not for other settings, other data or unmeasured views', () => {
    expect(digitsEta({ ...quick, seed: 9, metricsEvery: 50 }, 0, 1)).not.toBeNull();
    expect(digitsEta({ ...quick, learningRateG: 2e-4 }, 0, 1)).toBeNull();
    expect(digitsEta({ ...quick, dataset: 'own' }, 0, 1)).toBeNull();
    expect(digitsEta(presetFor('article'), 0, 1)).toBeNull();
  });

  it('says it in words', () => {
    expect(etaText({ steps: 1500, left: 1500, seconds: null })).toBe(
      'about 1,500 steps more (the time shows once the first steps are timed)',
    );
    expect(etaText({ steps: 1500, left: 1000, seconds: 41.2 })).toBe(
      'about 1,000 steps more: 42 s at this device’s speed',
    );
    expect(etaText({ steps: 1500, left: 1000, seconds: 130 })).toBe(
      'about 1,000 steps more: 2 min 10 s at this device’s speed',
    );
    expect(etaText({ steps: 1500, left: 0, seconds: 0 })).toBe(
      'past the 1,500 steps they usually take',
    );
  });
});
