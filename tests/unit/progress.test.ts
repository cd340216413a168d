import { describe, expect, it } from 'vitest';
import {
  etaText,
  parseWarmups,
  secondsLeft,
  sizeText,
  warmupKey,
  warmupProgress,
  withWarmup,
} from '../../src/core/progress';

describe('progress arithmetic', () => {
  it('projects the time left from the rate so far', () => {
    expect(secondsLeft(2, 8, 1000)).toBe(3);
    expect(secondsLeft(8, 8, 1000)).toBe(0);
    expect(secondsLeft(0, 8, 1000)).toBeNull();
    expect(secondsLeft(3, 0, 1000)).toBeNull();
    expect(secondsLeft(3, 8, 0)).toBeNull();
  });

  it('says it in words', () => {
    expect(etaText(null)).toBe('');
    expect(etaText(0.4)).toBe('almost done');
    expect(etaText(12.4)).toBe('about 12 s left');
    expect(etaText(150)).toBe('about 3 min left');
    expect(sizeText(840_000)).toBe('840 KB');
    expect(sizeText(8_400_000)).toBe('8.4 MB');
  });
});

describe('warm-up estimates', () => {
  const key = warmupKey('webgpu', 'article');

  it('remember the last first-step time per backend and model, ignoring damage', () => {
    let r = parseWarmups(null);
    r = withWarmup(r, key, 12_345.6);
    r = withWarmup(r, warmupKey('wasm', 'article'), -5); // not a time: ignored
    expect(r).toEqual({ 'webgpu:article': 12_346 });
    expect(parseWarmups(JSON.stringify(r))).toEqual(r);
    expect(parseWarmups('{"webgpu:toy": "soon", "webgl:toy": 900}')).toEqual({ 'webgl:toy': 900 });
    expect(parseWarmups('not json')).toEqual({});
  });

  it('show elapsed against last time, and never finish early', () => {
    expect(warmupProgress(4000, undefined)).toEqual({
      fraction: null,
      text: '4 s so far; the first run on this device',
    });
    const half = warmupProgress(5000, 10_000);
    expect(half.fraction).toBe(0.5);
    expect(half.text).toBe('about 5 s left (took 10 s last time)');
    const late = warmupProgress(14_000, 10_000);
    expect(late.fraction).toBe(0.95);
    expect(late.text).toMatch(/longer than last time/);
  });
});
