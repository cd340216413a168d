/** A run saved as a session, exported to a file and imported again: what the largest-session tests check. */
import { expect } from 'vitest';
import type { GanConfig } from '../../../src/core/gan/config';
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import type { LogModelConfig } from '../../../src/core/rl/models/log-model-config';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import type { CheckpointInput } from '../../../src/core/store/checkpoint';
import type { Json, LabKind } from '../../../src/core/store/schema';
import type { SessionStore } from '../../../src/core/store/sessions';
import { exportSession, readSessionFile, storeImported } from '../../../src/core/store/transfer';
import { freshStore } from './store-fixtures';

/**
 * Saves a run as a session (with `addMore` adding to it), exports it and
 * imports the file; checks the imported checkpoint is the saved one bit for
 * bit (every tensor's name, shape and bytes, the random state and the
 * state tree) and returns it, with the file.
 */
export async function throughAFile(
  lab: LabKind,
  config: GanConfig | RecsysConfig | LogModelConfig,
  checkpoint: CheckpointInput,
  addMore: (store: SessionStore, id: string) => Promise<void> = async () => {},
) {
  const store = await freshStore();
  const json = config as unknown as Json;
  const s = await store.create({
    name: 'Largest',
    lab,
    config: json,
    seed: config.seed,
    backend: 'cpu',
  });
  await store.saveRun(s.id, {
    config: json,
    backend: 'cpu',
    metrics: { loss: { x: [checkpoint.step], y: [0.5] } },
    checkpoint,
  });
  await addMore(store, s.id);
  const file = await exportSession(store, s.id);
  const read = await readSessionFile(file, readLabConfig);
  expect(read.notes).toEqual([]);
  const checkpointBytes = (read.checkpoints[0]!.data as ArrayBuffer).byteLength;
  const imported = await storeImported(store, read);
  expect((await store.get(imported.id))?.config).toEqual(config);
  const [original, back] = await Promise.all([
    store.checkpoint(s.id),
    store.checkpoint(imported.id),
  ]);
  for (const [a, b] of [
    [original!.weights, back!.weights],
    [original!.optimizer, back!.optimizer],
  ] as const) {
    expect(b.map((t) => [t.name, t.shape])).toEqual(a.map((t) => [t.name, t.shape]));
    a.forEach((t, i) =>
      expect(Buffer.from(b[i]!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true),
    );
  }
  expect(back!.rng).toEqual(original!.rng);
  expect(JSON.stringify(back!.extra)).toBe(JSON.stringify(original!.extra));
  return { store, ids: [s.id, imported.id], file, checkpointBytes, back: back! };
}
