import { describe, expect, it } from 'vitest';
import { StepRate } from '../../../src/ui/common/step-rate';

describe('step rate', () => {
  it('measures steps per second between readings at least half a second apart', () => {
    const r = new StepRate();
    expect(r.update(0, 0)).toBeNull();
    expect(r.update(5, 300)).toBeNull(); // too soon to say
    expect(r.update(20, 1000)).toBeCloseTo(20, 9);
    expect(r.update(30, 2000)).toBeCloseTo(10, 9);
  });

  it('starts over after a reset or when the step goes back (a rollback)', () => {
    const r = new StepRate();
    r.update(100, 0);
    expect(r.update(40, 1000)).toBeNull();
    expect(r.update(50, 2000)).toBeCloseTo(10, 9);
    r.reset();
    expect(r.update(60, 2100)).toBeNull();
  });
});
