import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { presetFor } from '../../../src/core/gan/config';
import {
  CheckpointError,
  inOneBuffer,
  packCheckpoint,
  unpackCheckpoint,
} from '../../../src/core/store/checkpoint';
import { isQuotaError, storageHealth } from '../../../src/core/store/health';
import { createV1, type Json, type StoreSchema } from '../../../src/core/store/schema';
import { SessionStore } from '../../../src/core/store/sessions';
import { withFullDisk } from '../helpers/full-disk';
import {
  checkpoint,
  freshName,
  freshStore,
  newSession,
  progress,
  save,
} from '../helpers/store-fixtures';

describe('session store', () => {
  it('creates, lists, renames, saves history and samples, duplicates', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    await store.saveHistory(s.id, { reward: { x: [1, 2, 3], y: [0.1, 0.5, NaN] } });
    await store.addSample({
      sessionId: s.id,
      step: 10,
      width: 2,
      height: 2,
      channels: 1,
      pixels: new Uint8Array([0, 64, 128, 255]),
    });
    await expect(
      store.addSample({
        sessionId: s.id,
        step: 11,
        width: 2,
        height: 2,
        channels: 1,
        pixels: new Uint8Array(3),
      }),
    ).rejects.toThrow(/needs 4 bytes/);
    await store.rename(s.id, '  Fashion race ');
    await expect(store.rename(s.id, '   ')).rejects.toThrow(/needs a name/);
    const history = await store.history(s.id);
    expect(history.reward!.y[2]).toBeNaN();
    const copy = await store.duplicate(s.id);
    expect(copy.name).toBe('Fashion race (copy)');
    expect(copy.id).not.toBe(s.id);
    const list = await store.list();
    expect(list.map((x) => x.name).sort()).toEqual(['Fashion race', 'Fashion race (copy)']);
    expect(list.every((x) => x.bytes > 4)).toBe(true);
    expect(await store.samples(copy.id)).toHaveLength(1);
    expect(await store.deleteSamples(s.id)).toBe(1);
    expect(await store.samples(s.id)).toHaveLength(0);
    expect(await store.samples(copy.id)).toHaveLength(1);
  });

  it('round-trips a checkpoint exactly, and replaces the previous one', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    expect(await store.checkpoint(s.id)).toBeNull();
    const first = await save(store, s.id, checkpoint(100));
    await save(store, s.id, checkpoint(200, 2));
    const c = (await store.checkpoint(s.id))!;
    expect(c.step).toBe(200);
    expect(Array.from(c.weights[0]!.data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(c.weights[0]!.shape).toEqual([3, 2]);
    expect(c.optimizer[1]!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(c.optimizer[1]!.data)).toEqual([200]);
    expect(c.rng).toEqual([1, 2, 3, 4]);
    expect(c.extra).toEqual({ epsilon: 0.1 });
    expect((await store.get(s.id))!.step).toBe(200);
    // The old checkpoint is gone: one per session.
    expect(await store.db.get('checkpoints', first.id)).toBeUndefined();
    expect(await store.db.count('checkpoints')).toBe(1);
    // Its bytes are kept as a Blob (IndexedDB stores it without cloning on the page's thread).
    const record = (await store.db.get('checkpoints', c.id))!;
    expect(record.data).toBeInstanceOf(Blob);
    expect((record.data as Blob).size).toBe(4 * (6 + 2 + 2 + 1));
    expect((await store.get(s.id))!.checkpointBytes).toBeGreaterThan(44);
  });

  it('still reads a checkpoint stored as an ArrayBuffer, as before 2026-11-30 and in imports', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    const saved = await save(store, s.id, checkpoint(100, 5));
    const record = (await store.db.get('checkpoints', saved.checkpointId!))!;
    await store.db.put('checkpoints', {
      ...record,
      data: await (record.data as Blob).arrayBuffer(),
    });
    const c = (await store.checkpoint(s.id))!;
    expect(Array.from(c.weights[0]!.data)).toEqual([5, 10, 15, 20, 25, 30]);
    expect((await store.loadRun(s.id)).checkpoint!.step).toBe(100);
  });

  it('stores a checkpoint sent in one buffer (as the worker sends it) as that buffer, and checks it the same', async () => {
    const single = inOneBuffer(checkpoint(100, 3));
    const buffer = single.weights[0]!.data.buffer;
    const record = packCheckpoint(single, { id: 'c', sessionId: 's', createdAt: 0 });
    expect(record.data).toBe(buffer);
    expect(record).toEqual(
      packCheckpoint(checkpoint(100, 3), { id: 'c', sessionId: 's', createdAt: 0 }),
    );
    const back = unpackCheckpoint(record);
    expect(Array.from(back.weights[0]!.data)).toEqual([3, 6, 9, 12, 15, 18]);
    expect(Array.from(back.optimizer[1]!.data)).toEqual([100]);
    // A view that does not fill the buffer in order is copied, not stored with its neighbours.
    const partial = { ...single, optimizer: single.optimizer.slice(0, 1) };
    expect(packCheckpoint(partial, { id: 'c', sessionId: 's', createdAt: 0 }).data).not.toBe(
      buffer,
    );
    const bad = inOneBuffer(checkpoint(150));
    bad.optimizer[0]!.data[0] = Infinity;
    expect(() => packCheckpoint(bad, { id: 'c', sessionId: 's', createdAt: 0 })).toThrow(
      /adam\/m holds Infinity at index 0/,
    );
  });

  it('refuses a checkpoint with NaN weights or wrong shapes, keeping the good one', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    await save(store, s.id, checkpoint(100));
    const bad = checkpoint(150);
    bad.weights[1]!.data[1] = NaN;
    await expect(save(store, s.id, bad)).rejects.toThrow(CheckpointError);
    await expect(save(store, s.id, bad)).rejects.toThrow(/dense\/bias holds NaN/);
    const wrong = checkpoint(150);
    wrong.weights[0]!.shape = [4, 2];
    await expect(save(store, s.id, wrong)).rejects.toThrow(/6 values for shape \[4, 2\]/);
    expect((await store.checkpoint(s.id))!.step).toBe(100);
  });

  it('leaves the previous checkpoint intact when the write fails midway', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    await save(store, s.id, checkpoint(100));
    // Fail the session update that follows the checkpoint write, inside the same transaction.
    await withFullDisk('sessions', async () => {
      await expect(save(store, s.id, checkpoint(200, 3))).rejects.toThrow(/quota exceeded/);
    });
    const c = (await store.checkpoint(s.id))!;
    expect(c.step).toBe(100);
    expect(Array.from(c.weights[0]!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.db.count('checkpoints')).toBe(1); // the half-written one was rolled back
    expect((await store.get(s.id))!.step).toBe(100);
    // The curves and samples stay those of step 100 too: one transaction for all of it.
    expect((await store.history(s.id)).reward!.x).toEqual([1, 100]);
    expect((await store.samples(s.id)).map((x) => x.step)).toEqual([100]);
    const run = await store.loadRun(s.id);
    expect(run.checkpoint!.step).toBe(100);
    expect(run.metrics.reward!.y).toEqual([0, 10]);
  });

  it('keeps at most 64 sample grids per run, spread over it, and lists sizes without reading checkpoints', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    for (let step = 1; step <= 70; step++) await save(store, s.id, checkpoint(step));
    const steps = (await store.samples(s.id)).map((x) => x.step);
    expect(steps.length).toBeLessThanOrEqual(64);
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(70);
    const [row] = await store.list();
    expect(row!.samples).toBe(steps.length);
    expect(row!.checkpointBytes).toBeGreaterThan(32); // 8 float32s and 2 int32s, with their index
    expect(row!.bytes).toBeGreaterThan(row!.checkpointBytes!);
    expect(await store.db.count('checkpoints')).toBe(1);
  });

  it('keeps one autosaved draft per tab: drafts are dropped, except those held elsewhere', async () => {
    const store = await freshStore();
    const a = await store.create({ ...newSession, draft: true });
    const b = await store.create({ ...newSession, draft: true });
    const kept = await store.create(newSession);
    const gan = await store.create({
      ...newSession,
      lab: 'gan',
      config: presetFor('toy') as unknown as Json,
      draft: true,
    });
    await save(store, a.id, checkpoint(5));
    expect(await store.deleteDrafts('recsys', new Set([b.id]))).toBe(1);
    const left = (await store.list()).map((x) => x.id).sort();
    expect(left).toEqual([b.id, kept.id, gan.id].sort());
    expect(await store.db.count('checkpoints')).toBe(0); // a's checkpoint went with it
    // A new run's first save creates its session in the same transaction: a full disk leaves none.
    await withFullDisk('histories', async () => {
      await expect(
        store.createRun({ ...newSession, draft: true }, progress(checkpoint(9))),
      ).rejects.toThrow(/quota/);
    });
    expect(await store.db.count('sessions')).toBe(3);
    const made = await store.createRun({ ...newSession, draft: true }, progress(checkpoint(9)));
    expect((await store.loadRun(made.id)).checkpoint!.step).toBe(9);
    await store.delete(made.id);
    const copy = await store.duplicate(b.id);
    expect(copy.draft).toBe(false); // a copy is a kept session
    await store.rename(b.id, 'Worth keeping'); // and so is a draft given a name
    expect(await store.deleteDrafts('recsys', new Set())).toBe(0);
    expect(await store.db.count('sessions')).toBe(4); // b, kept, gan and the copy
  });

  it('saves a new session with its history in one transaction: a failed save leaves nothing behind', async () => {
    const store = await freshStore();
    const ok = await store.createWith(newSession, {
      step: 30,
      metrics: { ctr: { x: [1, 2], y: [0.1, 0.2] } },
      samples: [{ step: 30, width: 1, height: 2, channels: 1, pixels: new Uint8Array([7, 8]) }],
    });
    expect((await store.get(ok.id))!.step).toBe(30);
    expect(await store.history(ok.id)).toEqual({ ctr: { x: [1, 2], y: [0.1, 0.2] } });
    expect(await store.samples(ok.id)).toHaveLength(1);
    await withFullDisk('histories', async () => {
      await expect(store.createWith(newSession, { step: 1, metrics: {} })).rejects.toThrow(/quota/);
    });
    expect((await store.list()).map((x) => x.id)).toEqual([ok.id]);
  });

  it('deletes a session with everything it holds, and Undo puts it all back', async () => {
    const store = await freshStore();
    const s = await store.create(newSession);
    await save(store, s.id, checkpoint(7));
    await store.saveHistory(s.id, { loss: { x: [1], y: [2] } });
    await store.addSample({
      sessionId: s.id,
      step: 7,
      width: 1,
      height: 1,
      channels: 3,
      pixels: new Uint8Array(3),
    });
    const gone = await store.delete(s.id);
    expect(await store.list()).toEqual([]);
    expect(await store.db.count('checkpoints')).toBe(0);
    expect(await store.db.count('samples')).toBe(0);
    await store.restore(gone);
    expect((await store.checkpoint(s.id))!.step).toBe(7);
    expect(await store.history(s.id)).toEqual({ loss: { x: [1], y: [2] } });
    expect(await store.samples(s.id)).toHaveLength(1);
  });

  it('migrates a version-1 database, moving histories out of the session records', async () => {
    const name = freshName('legacy');
    const v1 = await openDB<StoreSchema>(name, 1, { upgrade: (db) => createV1(db) });
    const legacy = {
      id: 'old-1',
      name: 'Old run',
      lab: 'gan' as const,
      config: presetFor('toy') as unknown as Json,
      seed: 3,
      backend: 'webgl',
      step: 40,
      checkpointId: null,
      createdAt: 1,
      updatedAt: 2,
      history: { dLoss: { x: [1, 2], y: [0.7, 0.6] } },
    };
    await v1.put('sessions', legacy);
    v1.close();
    const store = await freshStore(name);
    expect(store.db.version).toBe(2);
    const s = (await store.get('old-1'))!;
    expect(s.name).toBe('Old run');
    expect('history' in s).toBe(false);
    expect(await store.history('old-1')).toEqual({ dLoss: { x: [1, 2], y: [0.7, 0.6] } });
  });

  it('closes itself when a newer version needs the database, and says so', async () => {
    const name = freshName('blocking');
    let told = false;
    const old = await SessionStore.open({ name, onVersionChange: () => (told = true) });
    const newer = await openDB(name, 3, { upgrade: () => {} });
    expect(told).toBe(true);
    newer.close();
    old.close();
  });
});

describe('storage health', () => {
  const manager = (usage: number, quota: number, granted: boolean) => ({
    persisted: () => Promise.resolve(false),
    persist: () => Promise.resolve(granted),
    estimate: () => Promise.resolve({ usage, quota }),
  });

  it('asks for persistence and warns when storage is nearly full or not kept', async () => {
    expect(await storageHealth(manager(10, 100, true))).toEqual({
      usage: 10,
      quota: 100,
      persisted: true,
      warning: null,
    });
    expect((await storageHealth(manager(95, 100, true))).warning).toMatch(/95% full/);
    expect((await storageHealth(manager(1, 100, false))).warning).toMatch(/may clear/);
    expect((await storageHealth(undefined)).warning).toMatch(/does not report/);
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
  });
});
