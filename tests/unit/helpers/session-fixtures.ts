/** A small session to save, export and damage: its checkpoint, settings and progress (no test runner needed). */
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import type { CheckpointInput } from '../../../src/core/store/checkpoint';
import { strFromU8, strToU8, zipSync } from 'fflate';
import type { Json } from '../../../src/core/store/schema';
import type { DeletedSession } from '../../../src/core/store/session-records';
import { sha256Hex } from '../../../src/core/store/transfer';
import type { RunProgress } from '../../../src/core/store/session-records';
import type { SessionStore } from '../../../src/core/store/sessions';

export function checkpoint(step: number, scale = 1): CheckpointInput {
  return {
    step,
    weights: [
      {
        name: 'dense/kernel',
        shape: [3, 2],
        dtype: 'float32',
        data: Float32Array.from([1, 2, 3, 4, 5, 6], (x) => x * scale),
      },
      { name: 'dense/bias', shape: [2], dtype: 'float32', data: new Float32Array([0.5, -0.5]) },
    ],
    optimizer: [
      { name: 'adam/m', shape: [2], dtype: 'float32', data: new Float32Array([0.1, 0.2]) },
      { name: 'adam/t', shape: [], dtype: 'int32', data: new Int32Array([step]) },
    ],
    rng: [1, 2, 3, 4],
    extra: { epsilon: 0.1 },
  };
}

export const recsys = defaultRecsysConfig() as unknown as Json;

/** A run's progress at a checkpoint, with a curve that ends at its step. */
export function progress(c: CheckpointInput): RunProgress {
  return {
    config: recsys,
    backend: 'webgpu',
    metrics: { reward: { x: [1, c.step], y: [0, c.step / 10] } },
    checkpoint: c,
    sample: {
      step: c.step,
      width: 1,
      height: 1,
      channels: 1,
      pixels: new Uint8Array([c.step % 256]),
    },
  };
}
export const save = (store: SessionStore, id: string, c: CheckpointInput) =>
  store.saveRun(id, progress(c));

export const newSession = {
  name: 'Race 1',
  lab: 'recsys' as const,
  config: recsys,
  seed: 1,
  backend: 'webgpu',
};

/**
 * Everything an import would store, as one comparable string (every byte
 * included). An imported session is a new one (withNewIds dates it now):
 * comparing a re-export, `dates: false` leaves its own dates out.
 */
export function fingerprint(d: DeletedSession, dates = true): string {
  const undated = dates ? {} : { createdAt: null, updatedAt: null };
  return JSON.stringify({
    session: { ...d.session, id: null, ...undated },
    history: d.history,
    samples: d.samples.map((s) => ({ ...s, pixels: Array.from(s.pixels) })),
    checkpoints: d.checkpoints.map((c) => ({
      ...c,
      data: Array.from(new Uint8Array(c.data as ArrayBuffer)),
    })),
  });
}

/** A session file zipped from edited entries, its manifest's hashes redone: what a forger would make. */
export async function forged(files: Record<string, Uint8Array>): Promise<Uint8Array> {
  const m = files['manifest.json'];
  if (m) {
    try {
      const json = JSON.parse(strFromU8(m)) as { hashes?: Record<string, string> };
      if (json.hashes && typeof json.hashes === 'object')
        for (const name of Object.keys(json.hashes))
          if (files[name]) json.hashes[name] = await sha256Hex(files[name]);
      files['manifest.json'] = strToU8(JSON.stringify(json));
    } catch {
      // A manifest that is no longer JSON stays as it is.
    }
  }
  return zipSync(files);
}
