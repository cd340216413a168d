/**
 * The run lifecycle the labs share (lab-run.svelte.ts), through three of its
 * labs' states on a stand-in for the worker client: commands out, state and
 * snapshots in, autosave and the speed cap with each new job, and what a
 * lost GPU device does to the run shown.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from '../../../src/core/protocol';
import { DemoState } from '../../../src/ui/demo/state.svelte';
import { GanState } from '../../../src/ui/gan/state.svelte';
import { RecsysState } from '../../../src/ui/recsys/state.svelte';
import { SessionsState } from '../../../src/ui/sessions/state.svelte';
import type { TrainingClient } from '../../../src/ui/training-client.svelte';

/** Records what the lab sends; `deliver` plays the worker's answers. */
function fakeClient() {
  const sent: ToWorker[] = [];
  const listeners = new Set<(m: FromWorker) => void>();
  const client = {
    backend: null,
    send: (m: ToWorker) => void sent.push(m),
    subscribe(fn: (m: FromWorker) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return {
    client: client as unknown as TrainingClient,
    sent,
    deliver: (m: FromWorker) => listeners.forEach((fn) => fn(m)),
  };
}

function demoSnapshot(step: number, losses: number[]): FromWorker {
  return {
    type: 'snapshot',
    jobId: 1,
    snapshot: {
      kind: 'mnist-demo',
      step,
      firstLossStep: step - losses.length,
      losses: Float32Array.from(losses),
      accuracySteps: new Uint32Array(),
      accuracy: new Float32Array(),
      previewPixels: new Uint8Array(),
      previewLabels: new Uint8Array(),
      previewGuesses: new Uint8Array(),
      numTensors: 12,
      backend: 'wasm',
    },
  };
}

describe('a lab run', () => {
  it('starts a job, follows its state and snapshots, and ignores other jobs', () => {
    const { client, sent, deliver } = fakeClient();
    const demo = new DemoState(client);
    demo.start();
    expect(demo.phase).toBe('starting');
    expect(sent[0]).toMatchObject({ type: 'start', jobId: 1, spec: { kind: 'mnist-demo' } });
    deliver({ type: 'job-state', jobId: 1, state: 'running', step: 0 });
    deliver(demoSnapshot(3, [2.3, 2.1, 1.9]));
    expect(demo.phase).toBe('running');
    expect(demo.losses.map((p) => p.x)).toEqual([1, 2, 3]);
    expect([demo.step, demo.ranOn, demo.numTensors]).toEqual([3, 'wasm', 12]);
    deliver({ type: 'job-state', jobId: 99, state: 'failed', step: 0, message: 'not ours' });
    expect(demo.phase).toBe('running');
    // The demo's shown step never goes back on a state message.
    deliver({ type: 'job-state', jobId: 1, state: 'paused', step: 2 });
    expect([demo.phase, demo.step, demo.active]).toEqual(['paused', 3, true]);
  });

  it('sends pause, play, step and stop to its own job', () => {
    const { client, sent } = fakeClient();
    const demo = new DemoState(client);
    demo.start();
    demo.pause();
    demo.resume();
    demo.stepBy(10);
    demo.stop();
    expect(sent.slice(1)).toEqual([
      { type: 'pause', jobId: 1 },
      { type: 'resume', jobId: 1 },
      { type: 'step', jobId: 1, steps: 10 },
      { type: 'stop', jobId: 1 },
    ]);
  });

  it('says what a lost device stopped, in the lab’s own words, even after the job failed', () => {
    const { client, deliver } = fakeClient();
    const demo = new DemoState(client);
    const race = new RecsysState(client, new SessionsState());
    demo.start();
    race.start();
    deliver({ type: 'job-state', jobId: 1, state: 'failed', step: 40, message: 'mapAsync failed' });
    deliver({ type: 'job-state', jobId: 2_000_001, state: 'running', step: 7 });
    deliver({ type: 'device-lost', backend: 'webgpu', message: 'GPU reset' });
    expect(demo.phase).toBe('failed');
    expect(demo.message).toBe(
      'Stopped at step 40: the GPU device was lost (GPU reset). Press Start to train again on the next backend.',
    );
    expect(race.message).toBe(
      'Stopped at round 7: the GPU device was lost (GPU reset). Press Reset to race again on the next backend.',
    );
  });

  it('gives each new job the lab’s autosave cadence and speed cap', () => {
    const { client, sent, deliver } = fakeClient();
    const gan = new GanState(client, new SessionsState());
    gan.recorder.everySteps = 50;
    gan.setRateCap(10);
    expect(sent).toEqual([]); // nothing runs yet
    gan.start();
    expect(sent.map((m) => m.type)).toEqual(['start', 'autosave', 'throttle']);
    expect(sent[1]).toEqual({ type: 'autosave', jobId: 1_000_001, everySteps: 50 });
    expect(sent[2]).toEqual({ type: 'throttle', jobId: 1_000_001, stepsPerSecond: 10 });
    deliver({ type: 'job-state', jobId: 1_000_001, state: 'running', step: 0 });
    gan.setAutosave(1000);
    gan.rollback();
    expect(sent.slice(3)).toEqual([
      { type: 'autosave', jobId: 1_000_001, everySteps: 1000 },
      { type: 'rollback', jobId: 1_000_001 },
    ]);
    expect(gan.recorder.everySteps).toBe(1000);
  });

  it('labels a saved run it shows as a trained snapshot, until a new run starts', () => {
    const { client } = fakeClient();
    const race = new RecsysState(client, new SessionsState());
    const config = JSON.parse(JSON.stringify(race.config)) as typeof race.config;
    race.show({
      session: {
        id: 's1',
        name: 'Monday demo',
        lab: 'recsys',
        config: config as never,
        seed: config.seed,
        backend: 'wasm',
        step: 750,
        checkpointId: null,
        createdAt: 1,
        updatedAt: Date.UTC(2026, 11, 1),
      },
      metrics: {},
      samples: [],
      checkpoint: null,
    });
    expect(race.opened).toEqual({
      name: 'Monday demo',
      step: 750,
      savedAt: Date.UTC(2026, 11, 1),
    });
    expect(race.phase).toBe('idle');
    race.start();
    expect(race.opened).toBeNull();
  });
});
