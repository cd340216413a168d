/** A small session to save, export and damage: its checkpoint, settings and progress (no test runner needed). */
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import type { CheckpointInput } from '../../../src/core/store/checkpoint';
import type { Json } from '../../../src/core/store/schema';
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
