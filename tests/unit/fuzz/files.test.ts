/**
 * Hostile and damaged files, generated fresh on every run from a printed
 * seed (FUZZ_SEED=<seed> replays one): 10,000 session files, 2,000 CSV logs
 * and 1,000 image zips. `npm run bench:fuzz` runs 100,000 of each.
 */
import { describe, expect, it } from 'vitest';
import { fuzzCsv, fuzzImageZips, fuzzSessions, type FuzzCounts } from '../helpers/fuzz-files';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`file fuzzing with seed ${seed} (FUZZ_SEED=${seed} replays it)`);

function expectClean(c: FuzzCounts, runs: number): void {
  console.log(JSON.stringify({ ...c, examples: undefined }));
  expect(c.examples).toEqual([]);
  expect([c.acceptedChanged, c.uncaught, c.writtenOnRefusal]).toEqual([0, 0, 0]);
  expect(c.refused + c.acceptedSame).toBe(c.files);
  expect(c.files).toBeGreaterThan(runs * 0.9); // the few mutations that cannot apply are not counted
  expect(c.peakMemory).toBeLessThan(1.5 * 2 ** 30);
}

describe(`damaged and hostile files (seed ${seed})`, () => {
  it('10,000 session files: each refused with a reason, or imported as exactly what it was', async () => {
    const c = await fuzzSessions(10_000, seed);
    expectClean(c, 10_000);
    expect(c.refused).toBeGreaterThan(c.files / 2); // most damage is caught, not shrugged off
  }, 600_000);

  it('2,000 CSV logs: each read the same as text and as a file, or refused with a LogError', async () => {
    expectClean(await fuzzCsv(2_000, seed), 2_000);
  }, 300_000);

  it('1,000 image zips: never a changed image taken, never an uncaught error', async () => {
    expectClean(await fuzzImageZips(1_000, seed), 1_000);
  }, 300_000);
});
