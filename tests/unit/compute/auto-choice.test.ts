import { describe, expect, it } from 'vitest';
import {
  autoNotice,
  choiceLines,
  deviceKey,
  parseAutoRecords,
  rankCandidates,
  timingPlan,
  withAutoRecord,
  withoutAutoRecord,
} from '../../../src/core/compute/auto-choice';
import type { AutoChoice, AutoRecord, Measured } from '../../../src/core/compute/backends';
import type { BackendInfo, Capabilities } from '../../../src/core/compute/backends';
import { timeBackend, timeBackends, type ProbeJob } from '../../../src/worker/speed-probe';
import { nvidia, swiftshader } from '../helpers/adapters';

const software: Capabilities = {
  webgpu: swiftshader,
  webgl: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)',
  wasm: { simd: true, threads: true },
};
const hardware: Capabilities = {
  webgpu: nvidia,
  webgl: 'ANGLE (NVIDIA, H200)',
  wasm: { simd: true, threads: true },
};
const traits = { userAgent: 'Chrome/150', cores: 2 };

const m = (name: Measured['name'], stepsPerSecond: number | null, note = ''): Measured => ({
  name,
  stepsPerSecond,
  firstStepMs: stepsPerSecond === null ? null : 100,
  note,
});

describe('auto: what to time', () => {
  it('times WASM and hardware GPUs, WASM first, GPUs with a first-step grace', () => {
    const plan = timingPlan(['webgpu', 'webgl', 'wasm', 'cpu'], hardware);
    expect(plan?.timed).toEqual([
      { name: 'wasm', grace: false },
      { name: 'webgl', grace: true },
      { name: 'webgpu', grace: true },
    ]);
    expect(plan?.untimed).toEqual([]);
  });

  it('leaves software GPUs untimed beside WASM, and says why', () => {
    const plan = timingPlan(['webgpu', 'webgl', 'wasm', 'cpu'], software)!;
    expect(plan.timed).toEqual([{ name: 'wasm', grace: false }]);
    expect(plan.untimed.map((u) => u.name)).toEqual(['webgl', 'webgpu']);
    expect(plan.untimed[1]).toEqual({
      name: 'webgpu',
      note: 'software rendering (SwiftShader), not timed',
      software: 'SwiftShader',
    });
  });

  it('has nothing to time when there is no choice to make', () => {
    expect(timingPlan(['wasm', 'cpu'], hardware)).toBeNull();
    expect(timingPlan(['cpu'], hardware)).toBeNull();
    // Without WASM a software GPU is not measured against anything: the usual order stands.
    expect(timingPlan(['webgpu', 'cpu'], { ...software, wasm: null })).toBeNull();
    // A lost WebGPU leaves WebGL and WASM to time.
    expect(timingPlan(['webgl', 'wasm', 'cpu'], hardware)?.timed.map((t) => t.name)).toEqual([
      'wasm',
      'webgl',
    ]);
  });
});

describe('auto: the order the timings give', () => {
  it('puts measured backends fastest first, then the rest in order, CPU last', () => {
    const results = [
      m('wasm', 6.1),
      m('webgl', 40),
      m('webgpu', null, 'its first step took over 10 s'),
    ];
    expect(rankCandidates(['webgpu', 'webgl', 'wasm', 'cpu'], results)).toEqual([
      'webgl',
      'wasm',
      'webgpu',
      'cpu',
    ]);
  });

  it('keeps out backends that are no longer candidates (lost in this tab)', () => {
    const results = [m('wasm', 6.1), m('webgpu', 90)];
    expect(rankCandidates(['webgl', 'wasm', 'cpu'], results)).toEqual(['wasm', 'webgl', 'cpu']);
  });
});

describe('auto: remembered per device', () => {
  it('names a device by browser, adapters, WASM features and cores', () => {
    const a = deviceKey(hardware, traits);
    expect(a).toContain('Chrome/150');
    expect(a).toContain('nvidia/hopper');
    expect(deviceKey(hardware, { ...traits, cores: 8 })).not.toBe(a);
    expect(deviceKey({ ...hardware, webgpu: swiftshader }, traits)).not.toBe(a);
    expect(deviceKey(hardware, { ...traits, userAgent: 'Chrome/151' })).not.toBe(a);
    expect(deviceKey({ ...hardware }, { ...traits })).toBe(a);
  });

  it('reads stored records and drops malformed ones instead of throwing', () => {
    const good: AutoRecord = { device: 'd1', at: '2026-11-30T10:00:00Z', results: [m('wasm', 5)] };
    expect(parseAutoRecords(JSON.stringify([good]))).toEqual([good]);
    expect(parseAutoRecords('{not json')).toEqual([]);
    expect(parseAutoRecords(null)).toEqual([]);
    expect(parseAutoRecords({ device: 'd1' })).toEqual([]);
    const bad = [
      good,
      {
        device: 'd2',
        at: 'x',
        results: [{ name: 'cuda', stepsPerSecond: 1, firstStepMs: 1, note: '' }],
      },
      { device: 'd3', at: 'x', results: [{ ...m('wasm', 1), stepsPerSecond: 'fast' }] },
      { device: 4, at: 'x', results: [] },
    ];
    expect(parseAutoRecords(bad)).toEqual([good]);
  });

  it('keeps one record per device, newest first, and forgets one on request', () => {
    const r = (device: string, at: string): AutoRecord => ({ device, at, results: [] });
    let records = withAutoRecord([], r('a', '1'));
    records = withAutoRecord(records, r('b', '2'));
    records = withAutoRecord(records, r('a', '3'));
    expect(records).toEqual([r('a', '3'), r('b', '2')]);
    for (let i = 0; i < 20; i++) records = withAutoRecord(records, r(`x${i}`, String(i)));
    expect(records).toHaveLength(8);
    expect(withoutAutoRecord([r('a', '1'), r('b', '2')], 'a')).toEqual([r('b', '2')]);
  });
});

describe('auto: what the page says', () => {
  const choice: AutoChoice = {
    device: 'd',
    at: '2026-11-30T10:00:00.000Z',
    remembered: true,
    results: [
      m('wasm', 5.72),
      m('webgl', null, 'software rendering (SwiftShader), not timed: slow'),
    ],
  };
  const info = (patch: Partial<BackendInfo>): BackendInfo => ({
    name: 'wasm',
    requested: 'auto',
    adapter: null,
    webglRenderer: null,
    wasm: { simd: true, threads: 2 },
    skipped: [],
    unoffered: [],
    ...patch,
  });

  it('gives the figures when the timing kept WebGPU out', () => {
    const withWebgpu: AutoChoice = {
      ...choice,
      results: [...choice.results, m('webgpu', null, 'its first step took over 0.5 s')],
    };
    const note = autoNotice(info({ choice: withWebgpu }))!;
    expect(note.timed).toBe(true);
    expect(note.text).toBe(
      "WebGPU is not in use: Auto timed the article GAN's training step, and WASM 5.72 steps/s " +
        'was the fastest on this device (WebGL: software rendering (SwiftShader), not timed: slow; ' +
        'WebGPU: its first step took over 0.5 s). Training runs on WASM.',
    );
  });

  it('says why a software WebGPU was not timed', () => {
    const soft: AutoChoice = {
      ...choice,
      results: [
        ...choice.results,
        {
          ...m('webgpu', null, 'software rendering (SwiftShader), not timed'),
          software: 'SwiftShader',
        },
      ],
    };
    expect(autoNotice(info({ choice: soft }))).toEqual({
      text:
        'WebGPU is not in use: here it renders in software (SwiftShader), and software GPUs ' +
        'trained every model in the bench 22 to 39 times slower than WASM, so Auto did not ' +
        "time it. Training runs on WASM (5.72 steps/s at the article GAN's training step).",
      timed: true,
    });
    expect(choiceLines(soft, 'wasm')).toContain(
      'Software GPUs trained every model in the bench 22 to 39 times slower than WASM, so they are not timed.',
    );
    expect(choiceLines(choice, 'wasm').some((l) => l.startsWith('Software GPUs'))).toBe(false);
  });

  it('says a lost device or a missing adapter as before, with the way to turn WebGPU on', () => {
    const lost = info({
      choice: { ...choice, results: [...choice.results, m('webgpu', 80)] },
      unoffered: [{ name: 'webgpu', reason: 'its GPU device was lost earlier in this tab' }],
    });
    expect(autoNotice(lost)).toEqual({
      text: expect.stringMatching(/^WebGPU is not in use: its GPU device was lost earlier/),
      timed: false,
    });
    expect(autoNotice(info({}))?.timed).toBe(false);
    expect(autoNotice(info({ name: 'webgpu', wasm: null }))).toBeNull();
    expect(autoNotice(info({ requested: 'wasm', choice }))).toBeNull();
  });

  it('explains the choice in the badge tooltip, remembered or new', () => {
    const lines = choiceLines(choice, 'wasm');
    expect(lines[0]).toBe(
      "Auto chose WASM: the fastest at the article GAN's training step on this device (measured 2026-11-30, remembered).",
    );
    expect(lines).toContain('WASM 5.72 steps/s');
    expect(choiceLines({ ...choice, remembered: false }, 'wasm')[0]).toContain('measured just now');
  });
});

/** A job whose steps take `stepMs` on a fake clock; `hang` makes its first flush never end. */
function fakeJob(clock: { t: number }, stepMs: number, hang = false) {
  const log = { steps: 0, disposed: false };
  let first = true;
  const job: ProbeJob = {
    trainStep: () => {
      log.steps++;
    },
    flush: () => {
      if (first && hang) {
        first = false;
        return new Promise<void>(() => {});
      }
      first = false;
      clock.t += stepMs;
      return Promise.resolve();
    },
    dispose: () => {
      log.disposed = true;
    },
  };
  return { job, log };
}

describe('auto: timing one backend', () => {
  it('times steady steps after the cold one, within its share', async () => {
    const clock = { t: 0 };
    const { job, log } = fakeJob(clock, 50);
    const r = await timeBackend('wasm', 600, 0, {
      start: async () => {},
      abandon: () => {},
      makeJob: () => job,
      now: () => clock.t,
    });
    expect(r.stepsPerSecond).toBe(20);
    expect(r.firstStepMs).toBe(50);
    expect(r.note).toBe('');
    expect(log.steps).toBe(12); // one cold step, then steady ones until 600 ms
    expect(log.disposed).toBe(true);
  });

  it('gives up on a GPU whose first step misses its deadline, and hands its job to abandon', async () => {
    const clock = { t: 0 };
    const { job, log } = fakeJob(clock, 50, true);
    const abandoned: string[] = [];
    const r = await timeBackend('webgpu', 50, 0, {
      start: async () => {},
      abandon: (name, j) => {
        abandoned.push(name);
        j.dispose();
      },
      makeJob: () => job,
      now: () => performance.now(),
    });
    expect(r).toEqual({
      name: 'webgpu',
      stepsPerSecond: null,
      firstStepMs: null,
      note: 'its first step took over 0.03 s',
    });
    expect(abandoned).toEqual(['webgpu']);
    expect(log.disposed).toBe(true);
  });

  it('reports a backend that cannot start or whose step fails', async () => {
    const clock = { t: 0 };
    const failing = await timeBackend('webgl', 100, 0, {
      start: () => Promise.reject(new Error('no context')),
      abandon: () => {},
      makeJob: () => fakeJob(clock, 1).job,
      now: () => clock.t,
    });
    expect(failing.note).toBe('it could not start (no context)');
    const broken = await timeBackend('wasm', 100, 0, {
      start: async () => {},
      abandon: () => {},
      makeJob: () => ({ ...fakeJob(clock, 1).job, flush: () => Promise.reject(new Error('NaN')) }),
      now: () => clock.t,
    });
    expect(broken).toMatchObject({ stepsPerSecond: null, note: 'its step failed (NaN)' });
  });

  it('shares the budget out in order and lists the untimed with their reasons', async () => {
    const clock = { t: 0 };
    const shares: string[] = [];
    const results = await timeBackends(
      {
        timed: [
          { name: 'wasm', grace: false },
          { name: 'webgl', grace: true },
        ],
        untimed: [
          {
            name: 'webgpu',
            note: 'software rendering (SwiftShader), not timed',
            software: 'SwiftShader',
          },
        ],
      },
      {
        start: async () => {},
        abandon: () => {},
        makeJob: () => fakeJob(clock, 100).job,
        now: () => clock.t,
        budgetMs: 2000,
        onTiming: (name) => shares.push(`${name}@${clock.t}`),
      },
    );
    // WASM's steps take 100 ms: it stops at its 1000 ms share; WebGL gets the rest.
    expect(shares).toEqual(['wasm@0', 'webgl@1000']);
    expect(results.map((r) => [r.name, r.stepsPerSecond, r.note, r.software])).toEqual([
      ['wasm', 10, '', undefined],
      ['webgl', 10, '', undefined],
      ['webgpu', null, 'software rendering (SwiftShader), not timed', 'SwiftShader'],
    ]);
  });
});
