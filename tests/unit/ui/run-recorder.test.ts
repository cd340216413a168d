/**
 * Autosave as the labs use it (run-recorder.svelte.ts, compiled by the Svelte
 * plugin), on a store in fake-indexeddb: drafts, the checkpoint queue, named
 * saves and what a failed write leaves. Node has no Web Locks, so every
 * session is free here; the hand-over between tabs is tested in e2e.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobCheckpoint } from '../../../src/core/jobs/job';
import { toasts } from '../../../src/ui/common/toasts.svelte';
import { RunRecorder, type RunInfo } from '../../../src/ui/sessions/run-recorder.svelte';
import { SessionsState } from '../../../src/ui/sessions/state.svelte';
import { withFullDisk } from '../helpers/full-disk';

function checkpoint(step: number, w = step): JobCheckpoint {
  return {
    step,
    weights: [{ name: 'G/0/w', shape: [2], dtype: 'float32', data: Float32Array.of(w, -w) }],
    optimizer: [],
    rng: [1, 2, 3, 4],
    extra: null,
  };
}

function info(name: string, upTo: number): RunInfo {
  return {
    name,
    config: { lr: 0.1 },
    seed: 7,
    backend: 'cpu',
    metrics: { loss: { x: [1, upTo], y: [1, 0.5] } },
  };
}

/** Each test gets its own database: the store's name is fixed, so the last one is deleted. */
async function fresh(): Promise<{ sessions: SessionsState; gan: RunRecorder }> {
  await new Promise<void>((done) => {
    const r = indexedDB.deleteDatabase('demandlab');
    r.onsuccess = r.onerror = r.onblocked = () => done();
  });
  const sessions = new SessionsState();
  await sessions.init();
  return { sessions, gan: new RunRecorder(sessions, 'gan') };
}

const errors = () => toasts.items.filter((t) => t.kind === 'error').map((t) => t.text);

beforeEach(() => {
  toasts.items = [];
});

describe('the run recorder', () => {
  it('saves a run as one draft session that each checkpoint moves on', async () => {
    const { sessions, gan } = await fresh();
    await gan.record(checkpoint(200), info('Article GAN', 200));
    await gan.record(checkpoint(400), info('Article GAN', 400));
    await sessions.refresh();
    expect(sessions.list).toHaveLength(1);
    const [s] = sessions.list;
    expect(s).toMatchObject({ name: 'Article GAN', lab: 'gan', draft: true, step: 400 });
    expect(gan.session).toEqual({ id: s!.id, name: 'Article GAN', draft: true });
    expect(gan.savedStep).toBe(400);
    const run = (await gan.load(s!.id))!;
    expect(run.checkpoint!.step).toBe(400);
    expect(Array.from(run.checkpoint!.weights[0]!.data)).toEqual([400, -400]);
    expect(run.metrics.loss!.x).toEqual([1, 400]);
  });

  it('writes only the newest of the checkpoints that arrive during a write', async () => {
    const { gan } = await fresh();
    const writes: number[] = [];
    const first = gan.record(checkpoint(50), info('run', 50));
    for (const step of [100, 150, 200]) void gan.record(checkpoint(step), info('run', step));
    await first;
    await gan.settled();
    const store = (await gan.sessions.storeOrNull())!;
    writes.push((await store.checkpoint(gan.session!.id))!.step);
    expect(writes).toEqual([200]);
    expect(await store.db.count('checkpoints')).toBe(1);
  });

  it('drops unnamed autosaves of its lab when a new run starts, and keeps named ones', async () => {
    const { sessions, gan } = await fresh();
    const recsys = new RunRecorder(sessions, 'recsys');
    await gan.record(checkpoint(10), info('old draft', 10));
    await recsys.record(checkpoint(10), info('race draft', 10));
    const named = new RunRecorder(sessions, 'gan');
    await named.record(checkpoint(20), info('kept', 20));
    expect(await named.keep('My GAN', info('kept', 20), () => {})).toBe(true);
    await gan.newRun();
    expect(gan.session).toBeNull();
    expect(sessions.list.map((s) => s.name).sort()).toEqual(['My GAN', 'race draft']);
  });

  it('names a draft on Save session and asks the worker for its state', async () => {
    const { sessions, gan } = await fresh();
    await gan.record(checkpoint(30), info('draft', 30));
    let asked = 0;
    expect(await gan.keep('Named', info('draft', 30), () => asked++)).toBe(true);
    expect(asked).toBe(1);
    expect(gan.session).toMatchObject({ name: 'Named', draft: false });
    await gan.record(checkpoint(60), info('draft', 60));
    expect(toasts.items.map((t) => t.text)).toContain(
      'Saved as “Named”. It keeps saving as it trains; find it in Sessions.',
    );
    await sessions.refresh();
    expect(sessions.list).toMatchObject([{ name: 'Named', draft: false, step: 60 }]);
  });

  it('on a full disk keeps training, says so once, and keeps the state saved before', async () => {
    const { gan } = await fresh();
    await gan.record(checkpoint(100), info('run', 100));
    await withFullDisk('histories', async () => {
      await gan.record(checkpoint(200), info('run', 200));
      await gan.record(checkpoint(300), info('run', 300));
    });
    expect(gan.error).toMatch(/^Storage is full/);
    expect(errors()).toHaveLength(1);
    expect(gan.savedStep).toBe(100);
    const run = (await gan.load(gan.session!.id))!;
    expect(run.checkpoint!.step).toBe(100);
    // Space again: the next checkpoint lands and the error clears.
    await gan.record(checkpoint(400), info('run', 400));
    expect(gan.error).toBeNull();
    expect((await gan.load(gan.session!.id))!.checkpoint!.step).toBe(400);
  });

  it('removes a session Save made when its first state cannot be written', async () => {
    const { sessions, gan } = await fresh();
    expect(await gan.keep('Named', info('run', 5), () => {})).toBe(true);
    expect(sessions.list).toHaveLength(1);
    await withFullDisk('histories', () => gan.record(checkpoint(5), info('run', 5)));
    expect(gan.session).toBeNull();
    expect(sessions.list).toHaveLength(0);
    expect(errors()[0]).toMatch(/storage for DemandLab is full/);
  });

  it('follows the worker: checkpoints are recorded, failed ones reported, others left alone', async () => {
    const { gan } = await fresh();
    expect(
      gan.receive({ type: 'checkpoint', jobId: 1, reason: 'auto', checkpoint: checkpoint(8) }, () =>
        info('run', 8),
      ),
    ).toBe(true);
    await gan.settled();
    expect(gan.savedStep).toBe(8);
    expect(
      gan.receive({ type: 'checkpoint-failed', jobId: 1, message: 'NaN weight' }, () =>
        info('run', 8),
      ),
    ).toBe(true);
    expect(toasts.items.at(-1)).toMatchObject({
      kind: 'warn',
      text: 'This run could not be saved: NaN weight',
    });
    expect(
      gan.receive({ type: 'job-state', jobId: 1, state: 'paused', step: 8 }, () => info('run', 8)),
    ).toBe(false);
  });

  it('keeps its autosave cadence for later runs', async () => {
    const { gan } = await fresh();
    expect(gan.everySteps).toBe(200);
    gan.setEvery(1000);
    expect(gan.everySteps).toBe(1000);
  });
});
