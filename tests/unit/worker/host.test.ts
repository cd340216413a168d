import { beforeAll, describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../src/core/compute/backends';
import { activateBackend } from '../../../src/core/compute/activate';
import { DEFAULT_DEMO_CONFIG } from '../../../src/core/demo/config';
import { DatasetError, type MnistData } from '../../../src/core/data/mnist';
import { TrainingHost, type HostDeps } from '../../../src/worker/host';
import type { FromWorker, JobSpec, ToWorker } from '../../../src/core/protocol';
import { TABULAR_PRESET } from '../../../src/core/gan/tabular-config';
import { isToWorker } from '../../../src/core/protocol';
import { presetFor } from '../../../src/core/gan/config';
import { realMnist, shippedClassifier } from '../helpers/mnist';
import { useCpu } from '../helpers/setup-tf';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';

let tf: Awaited<ReturnType<typeof useCpu>>;
let data: MnistData;
beforeAll(async () => {
  tf = await useCpu();
  data = await realMnist();
});

const noGpu: Capabilities = { webgpu: null, webgl: null, wasm: null };
const init: ToWorker = {
  type: 'init',
  backend: 'auto',
  exclude: [],
  wasmPrefix: '/tfjs-wasm/',
  dataUrl: '/data/',
};
const start = (jobId: number, patch = {}): ToWorker => ({
  type: 'start',
  jobId,
  spec: {
    kind: 'mnist-demo',
    config: { ...DEFAULT_DEMO_CONFIG, batchSize: 8, evalEvery: 0, ...patch },
  },
});

function setup(overrides: Partial<HostDeps> = {}) {
  const messages: FromWorker[] = [];
  const transfers: Transferable[][] = [];
  let triggerLoss: (msg: string) => void = () => {};
  const dataUrls: string[] = [];
  const host = new TrainingHost(
    (msg, transfer = []) => {
      messages.push(msg);
      transfers.push(transfer);
    },
    {
      probe: async () => noGpu,
      activate: activateBackend,
      watchDeviceLoss: (onLost) => {
        triggerLoss = onLost;
        return () => {};
      },
      loseDevice: () => false,
      loadMnist: async (url, onBytes) => {
        dataUrls.push(url);
        // As a download would: a few reports, some within the same percent.
        for (const r of [10, 11, 500, 1000]) onBytes?.(r, 1000);
        return data;
      },
      loadClassifier: () => shippedClassifier(),
      runner: { minSnapshotMs: 0 },
      ...overrides,
    },
  );
  const until = async (pred: (m: FromWorker) => boolean, timeoutMs = 20_000) => {
    const t0 = Date.now();
    for (;;) {
      const hit = messages.find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`no such message; got ${messages.map((m) => m.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { host, messages, transfers, until, dataUrls, loseDevice: (m: string) => triggerLoss(m) };
}

const states = (ms: FromWorker[], jobId: number) =>
  ms.flatMap((m) => (m.type === 'job-state' && m.jobId === jobId ? [m.state] : []));
const lastStep = (ms: FromWorker[]) =>
  ms.reduce((s, m) => (m.type === 'snapshot' ? Math.max(s, m.snapshot.step) : s), 0);

describe('training worker host', () => {
  it('starts on the best backend available and says which', async () => {
    const h = setup();
    await h.host.handle(init);
    const ready = h.messages[0]!;
    expect(ready.type).toBe('ready');
    if (ready.type !== 'ready') return;
    expect(ready.backend.name).toBe('cpu');
    expect(ready.backend.requested).toBe('auto');
    // The ones ahead of cpu that node does not offer are named, so the page can say why.
    expect(ready.backend.unoffered?.map((u) => u.name)).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(ready.backend.unoffered?.[0]?.reason).toBe('this browser offers no WebGPU adapter');
  });

  it('runs a job, pauses, steps exactly, stops and frees every tensor', async () => {
    const h = setup();
    await h.host.handle(init);
    const baseline = tf.memory().numTensors;
    await h.host.handle(start(1));
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step >= 5);
    expect(h.dataUrls).toEqual(['/data/mnist/']);
    await h.host.handle({ type: 'pause', jobId: 1 });
    await h.until((m) => m.type === 'job-state' && m.state === 'paused');
    const paused = lastStep(h.messages);
    await h.host.handle({ type: 'step', jobId: 1, steps: 3 });
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step === paused + 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(lastStep(h.messages)).toBe(paused + 3);
    // Snapshots carry their buffers as transferables.
    const i = h.messages.findIndex((m) => m.type === 'snapshot');
    expect(h.transfers[i]!.length).toBeGreaterThan(0);
    await h.host.handle({ type: 'stop', jobId: 1 });
    expect(states(h.messages, 1)).toEqual([
      'starting',
      'running',
      'paused',
      'running',
      'paused',
      'stopped',
    ]);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('relays the data set download to the page, once per percent', async () => {
    const h = setup();
    await h.host.handle(init);
    await h.host.handle(start(1));
    await h.until((m) => m.type === 'snapshot');
    const progress = h.messages.flatMap((m) =>
      m.type === 'dataset-progress' ? [[m.name, m.received, m.total]] : [],
    );
    expect(progress).toEqual([
      ['MNIST digits', 10, 1000],
      ['MNIST digits', 500, 1000],
      ['MNIST digits', 1000, 1000],
    ]);
    await h.host.dispose();
  });

  it('a new start replaces the running job', async () => {
    const h = setup();
    await h.host.handle(init);
    await h.host.handle(start(1));
    await h.until((m) => m.type === 'snapshot');
    await h.host.handle(start(2));
    await h.until((m) => m.type === 'snapshot' && m.jobId === 2);
    expect(states(h.messages, 1).at(-1)).toBe('stopped');
    await h.host.dispose();
  });

  it('commands sent while a job is still starting wait for it, as the page sent them', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const h = setup({
      loadMnist: async () => {
        await slow; // MNIST still downloading
        return data;
      },
    });
    await h.host.handle(init);
    // The page sends these at once, without waiting (the worker's onmessage does not await).
    const sent = [
      h.host.handle(start(1)),
      h.host.handle({ type: 'autosave', jobId: 1, everySteps: 5 }),
      h.host.handle({ type: 'stop', jobId: 1 }),
    ];
    await new Promise((r) => setTimeout(r, 20));
    expect(states(h.messages, 1)).toEqual(['starting']);
    release();
    await Promise.all(sent);
    // The stop reached the job it was meant for, and nothing was "not running".
    expect(states(h.messages, 1).at(-1)).toBe('stopped');
    expect(h.messages.filter((m) => m.type === 'log')).toEqual([]);
    await h.host.dispose();
  });

  it('reports a missing data set as a failed job with the loader message', async () => {
    const h = setup({
      loadMnist: async () => {
        throw new DatasetError('missing', 'The MNIST manifest.json is missing (HTTP 404).');
      },
    });
    await h.host.handle(init);
    await h.host.handle(start(1));
    const failed = await h.until((m) => m.type === 'job-state' && m.state === 'failed');
    expect(failed).toMatchObject({ message: expect.stringMatching(/missing \(HTTP 404\)/) });
  });

  it('rejects a bad config with the reason', async () => {
    const h = setup();
    await h.host.handle(init);
    await h.host.handle(start(1, { hidden: -3 }));
    expect(await h.until((m) => m.type === 'job-state' && m.state === 'failed')).toMatchObject({
      message: expect.stringMatching(/hidden must be/),
    });
  });

  it('on device loss stops the job and tells the page which backend died', async () => {
    const h = setup();
    await h.host.handle(init);
    await h.host.handle(start(1));
    await h.until((m) => m.type === 'snapshot');
    h.loseDevice('GPU hung');
    const lost = await h.until((m) => m.type === 'device-lost');
    expect(lost).toEqual({ type: 'device-lost', backend: 'cpu', message: 'GPU hung' });
    expect(states(h.messages, 1).at(-1)).toBe('stopped');
    await h.host.handle(start(2));
    expect(await h.until((m) => m.type === 'job-state' && m.jobId === 2)).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/restarting/),
    });
  });

  it('answers malformed messages, unknown jobs and a lose-device on cpu without throwing', async () => {
    const h = setup();
    await h.host.handle({ type: 'launch-missiles' });
    await h.host.handle(null);
    await h.host.handle({ type: 'step', jobId: 1, steps: -1 });
    expect(h.messages.filter((m) => m.type === 'log' && m.level === 'error')).toHaveLength(3);
    await h.host.handle(start(1));
    expect(h.messages.at(-1)).toMatchObject({
      type: 'job-state',
      state: 'failed',
      message: expect.stringMatching(/no backend yet/),
    });
    await h.host.handle(init);
    await h.host.handle({ type: 'pause', jobId: 99 });
    expect(h.messages.at(-1)).toMatchObject({
      type: 'log',
      level: 'warn',
      message: 'Job 99 is not running.',
    });
    await h.host.handle({ type: 'lose-device' });
    expect(h.messages.at(-1)).toMatchObject({
      type: 'log',
      message: expect.stringMatching(/no GPU device to lose/),
    });
  });

  describe('auto by timing', () => {
    const caps: Capabilities = {
      webgpu: {
        vendor: 'nvidia',
        architecture: 'hopper',
        device: '',
        description: '',
        isFallbackAdapter: false,
      },
      webgl: null,
      wasm: { simd: true, threads: false },
    };
    const traits = () => ({ userAgent: 'TestBrowser/1', cores: 2 });
    /** Records what activate was asked to try, and starts the first candidate. */
    function timedSetup(speeds: Record<string, number | null>) {
      const tried: string[][] = [];
      const timed: string[] = [];
      const h = setup({
        probe: async () => caps,
        traits,
        timeBackends: async (plan, _caps, _options, onTiming) =>
          plan.timed.map(({ name }) => {
            onTiming(name);
            timed.push(name);
            const s = speeds[name] ?? null;
            return { name, stepsPerSecond: s, firstStepMs: s && 10, note: s ? '' : 'too slow' };
          }),
        activate: async (candidates, requested) => {
          tried.push([...candidates]);
          return {
            name: candidates[0]!,
            requested,
            adapter: null,
            webglRenderer: null,
            wasm: null,
            skipped: [],
          };
        },
      });
      return { h, tried, timed };
    }

    it('times the backends, starts the fastest and reports the timings to keep', async () => {
      const { h, tried, timed } = timedSetup({ wasm: 6, webgpu: 120 });
      await h.host.handle(init);
      expect(timed).toEqual(['wasm', 'webgpu']);
      expect(h.messages.filter((m) => m.type === 'backend-timing')).toEqual([
        { type: 'backend-timing', name: 'wasm' },
        { type: 'backend-timing', name: 'webgpu' },
      ]);
      expect(tried).toEqual([['webgpu', 'wasm', 'cpu']]);
      const ready = h.messages.at(-1)!;
      if (ready.type !== 'ready') throw new Error(`expected ready, got ${ready.type}`);
      expect(ready.backend.name).toBe('webgpu');
      expect(ready.backend.choice).toMatchObject({
        remembered: false,
        device: expect.stringContaining('TestBrowser/1'),
        results: [
          { name: 'wasm', stepsPerSecond: 6 },
          { name: 'webgpu', stepsPerSecond: 120 },
        ],
      });
    });

    it('puts a slower GPU after WASM', async () => {
      const { h, tried } = timedSetup({ wasm: 6, webgpu: null });
      await h.host.handle(init);
      expect(tried).toEqual([['wasm', 'webgpu', 'cpu']]);
    });

    it("uses this device's remembered timings without timing again", async () => {
      const first = timedSetup({ wasm: 6, webgpu: 120 });
      await first.h.host.handle(init);
      const ready = first.h.messages.at(-1)!;
      if (ready.type !== 'ready' || !ready.backend.choice) throw new Error('no choice');
      const { device, at, results } = ready.backend.choice;
      const stored = [{ device, at, results: [...results].reverse() }];

      const again = timedSetup({ wasm: 6, webgpu: 120 });
      await again.h.host.handle({ ...init, autoRecords: stored });
      expect(again.timed).toEqual([]);
      expect(again.tried).toEqual([['webgpu', 'wasm', 'cpu']]);
      const second = again.h.messages.at(-1)!;
      if (second.type !== 'ready') throw new Error('not ready');
      expect(second.backend.choice?.remembered).toBe(true);

      // Another device's record, or a malformed one, does not count.
      const other = timedSetup({ wasm: 6, webgpu: 120 });
      await other.h.host.handle({
        ...init,
        autoRecords: [{ ...stored[0]!, device: 'elsewhere' }, 'junk'],
      });
      expect(other.timed).toEqual(['wasm', 'webgpu']);
    });

    it('does not time when the user picked a backend, or after a loss leaves one', async () => {
      const picked = timedSetup({ wasm: 6, webgpu: 120 });
      await picked.h.host.handle({ ...init, backend: 'wasm' });
      expect(picked.timed).toEqual([]);
      const ready = picked.h.messages.at(-1)!;
      if (ready.type !== 'ready') throw new Error('not ready');
      expect(ready.backend.choice).toBeUndefined();

      const lost = timedSetup({ wasm: 6, webgpu: 120 });
      await lost.h.host.handle({ ...init, exclude: ['webgpu'] });
      expect(lost.timed).toEqual([]);
      expect(lost.tried).toEqual([['wasm', 'cpu']]);
    });
  });

  it('reports an init that cannot start any backend', async () => {
    const h = setup({
      activate: async () => {
        throw new Error('No TensorFlow.js backend could start');
      },
    });
    await h.host.handle(init);
    expect(h.messages).toEqual([
      { type: 'init-failed', message: 'No TensorFlow.js backend could start' },
    ]);
  });
});

describe('protocol guard', () => {
  it.each([
    [init, true],
    [start(1), true],
    [{ type: 'step', jobId: 1, steps: 2 }, true],
    [{ type: 'step', jobId: 1, steps: 0 }, false],
    [{ type: 'pause' }, false],
    [{ type: 'init', backend: 'auto' }, false],
    [{ type: 'lose-device' }, true],
    ['start', false],
  ])('isToWorker(%o) is %s', (msg, ok) => {
    expect(isToWorker(msg)).toBe(ok);
  });

  it('runs a toy GAN: snapshots with the toy view, live settings, refused rebuilds, queries', async () => {
    const h = setup();
    await h.host.handle(init);
    const config = presetFor('toy');
    await h.host.handle({ type: 'start', jobId: 7, spec: { kind: 'gan', config } });
    const snap = await h.until((m) => m.type === 'snapshot' && m.snapshot.step >= 3);
    if (snap.type !== 'snapshot' || snap.snapshot.kind !== 'gan')
      throw new Error('not a GAN snapshot');
    expect(snap.snapshot.toy!.fake.length).toBe(2 * 600);
    expect(snap.snapshot.toy!.field.length).toBe(40 * 40);
    await h.host.handle({ type: 'configure', jobId: 7, config: { ...config, loss: 'hinge' } });
    await h.host.handle({ type: 'configure', jobId: 7, config: { ...config, latentSize: 5 } });
    const answers = h.messages.flatMap((m) => (m.type === 'configured' ? [m.error] : []));
    expect(answers[0]).toBeNull();
    expect(answers[1]).toMatch(/latentSize needs a rebuild/);
    await h.host.handle({
      type: 'query',
      jobId: 7,
      queryId: 1,
      query: { kind: 'interpolate', from: 0, to: 1, steps: 4 },
    });
    const answer = await h.until((m) => m.type === 'answer');
    expect(answer).toMatchObject({
      queryId: 1,
      answer: null,
      error: expect.stringMatching(/points/),
    });
    await h.host.handle({ type: 'pause', jobId: 7 });
    await h.until((m) => m.type === 'job-state' && m.jobId === 7 && m.state === 'paused');
    await h.host.handle({ type: 'rollback', jobId: 7 });
    const back = await h.until(
      (m) =>
        m.type === 'job-state' && m.jobId === 7 && m.message?.startsWith('Back at step') === true,
    );
    expect(back).toMatchObject({ state: 'paused' });
    await h.host.dispose();
  });

  it('answers a running race’s policies between two chunks, and goes on racing', async () => {
    const h = setup();
    await h.host.handle(init);
    const config = {
      ...defaultRecsysConfig('fashion'),
      items: 30,
      population: 2,
      agents: [agentSettings('random'), agentSettings('ucb')],
    };
    await h.host.handle({ type: 'start', jobId: 9, spec: { kind: 'recsys', config } });
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step >= 5);
    await h.host.handle({ type: 'policies', jobId: 9, queryId: 4 });
    const reply = await h.until((m) => m.type === 'policies');
    if (reply.type !== 'policies' || !reply.policies)
      throw new Error(`no policies: ${JSON.stringify(reply)}`);
    expect(reply.queryId).toBe(4);
    expect(reply.policies.agents.map((a) => a.label)).toEqual(['random', 'UCB1']);
    expect(reply.policies.agents[0]!.probabilities[0]).toHaveLength(30);
    const at = lastStep(h.messages);
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step > at + 5); // still racing
    await h.host.handle({ type: 'policies', jobId: 8, queryId: 5 });
    expect(await h.until((m) => m.type === 'policies' && m.queryId === 5)).toMatchObject({
      policies: null,
      error: 'No race is running to ask.',
    });
    await h.host.dispose();
  });

  it('autosaves on pause, exports the generator, and resumes a saved job paused at its step', async () => {
    const h = setup();
    await h.host.handle(init);
    const config = presetFor('toy');
    await h.host.handle({ type: 'start', jobId: 1, spec: { kind: 'gan', config } });
    await h.host.handle({ type: 'autosave', jobId: 1, everySteps: 1000 });
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step >= 5);
    await h.host.handle({ type: 'pause', jobId: 1 });
    const saved = await h.until((m) => m.type === 'checkpoint' && m.jobId === 1);
    if (saved.type !== 'checkpoint') throw new Error('not a checkpoint');
    expect(saved.reason).toBe('pause');
    const at = h.messages.indexOf(saved);
    // Its tensors lie end to end in one buffer, which moves to the page rather than being copied.
    const tensors = [...saved.checkpoint.weights, ...saved.checkpoint.optimizer];
    expect(h.transfers[at]).toEqual([tensors[0]!.data.buffer]);
    expect(tensors.every((t) => t.data.buffer === tensors[0]!.data.buffer)).toBe(true);
    expect(tensors.reduce((n, t) => n + t.data.byteLength, 0)).toBe(
      tensors[0]!.data.buffer.byteLength,
    );
    const step = saved.checkpoint.step;
    expect(lastStep(h.messages.slice(0, at))).toBe(step); // the page already has every step

    await h.host.handle({ type: 'export-model', jobId: 1 });
    const files = await h.until((m) => m.type === 'model-files');
    expect(files).toMatchObject({
      error: null,
      files: { modelJson: expect.stringContaining('layers-model') },
    });

    const resume = structuredClone(saved.checkpoint);
    await h.host.handle({
      type: 'start',
      jobId: 2,
      spec: { kind: 'gan', config, resume, paused: true },
    });
    const paused = await h.until(
      (m) => m.type === 'job-state' && m.jobId === 2 && m.state === 'paused',
    );
    expect(paused).toMatchObject({ step });
    expect(states(h.messages, 2)).toEqual(['starting', 'paused']);
    // A checkpoint of another model is refused with the reason, and nothing runs.
    await h.host.handle({
      type: 'start',
      jobId: 3,
      spec: { kind: 'gan', config: { ...config, toyHidden: 8 }, resume },
    });
    const failed = await h.until(
      (m) => m.type === 'job-state' && m.jobId === 3 && m.state === 'failed',
    );
    expect(failed).toMatchObject({
      message: expect.stringMatching(/could not be resumed.*\[2, 8\] in the model/),
    });
    await h.host.dispose();
  });

  it("trains the article GAN on the user's own images sent with the job, and refuses a job without them", async () => {
    const h = setup();
    await h.host.handle(init);
    const config = {
      ...presetFor('article'),
      dataset: 'own' as const,
      batchSize: 4,
      sampleEvery: 1,
    };
    const count = 10;
    const pixels = Uint8Array.from({ length: count * 784 }, (_, i) => (i % 784 < 392 ? 255 : 0));
    await h.host.handle({
      type: 'start',
      jobId: 9,
      spec: { kind: 'gan', config, images: { side: 28, channels: 1, count, pixels } },
    });
    const snap = await h.until(
      (m) => m.type === 'snapshot' && m.snapshot.kind === 'gan' && m.snapshot.samples !== null,
      60_000,
    );
    if (snap.type !== 'snapshot' || snap.snapshot.kind !== 'gan')
      throw new Error('no GAN snapshot');
    expect(snap.snapshot.samples).toMatchObject({ side: 28, channels: 1, count: 64 });
    expect(h.dataUrls).toEqual([]); // MNIST is never loaded for the user's images
    await h.host.handle({ type: 'start', jobId: 10, spec: { kind: 'gan', config } });
    const failed = await h.until(
      (m) => m.type === 'job-state' && m.jobId === 10 && m.state === 'failed',
    );
    expect(failed).toMatchObject({ message: expect.stringMatching(/load your own images first/) });
    await h.host.dispose();
  });

  it('trains a GAN without metrics when the classifier is missing, and says so', async () => {
    const h = setup({
      loadClassifier: () => Promise.reject(new Error('classifier.json is missing (HTTP 404)')),
    });
    await h.host.handle(init);
    const config = { ...presetFor('article'), batchSize: 4, metricsEvery: 1 };
    await h.host.handle({ type: 'start', jobId: 8, spec: { kind: 'gan', config } });
    await h.until((m) => m.type === 'snapshot' && m.snapshot.step >= 2, 60_000);
    const warn = h.messages.find((m) => m.type === 'log' && m.level === 'warn');
    expect(warn).toMatchObject({ message: expect.stringMatching(/Quality metrics are off.*404/) });
    const metrics = h.messages.flatMap((m) =>
      m.type === 'snapshot' && m.snapshot.kind === 'gan' ? m.snapshot.metrics : [],
    );
    expect(metrics).toEqual([]);
    await h.host.dispose();
  });

  it('trains the shopper GAN on the table sent with the job, and refuses a job without one', async () => {
    const h = setup();
    await h.host.handle(init);
    const cols = 3;
    const rows = 40;
    // Shares of two categories (summing to 1) and one rate.
    const values = Float32Array.from({ length: rows * cols }, (_, i) => {
      const r = Math.floor(i / cols);
      const c = i % cols;
      return c === 0 ? (r % 4) / 4 : c === 1 ? 1 - (r % 4) / 4 : (r % 5) / 5;
    });
    const config = { ...TABULAR_PRESET, hidden: 8, batchSize: 8, fidelityEvery: 10 };
    await h.host.handle({
      type: 'start',
      jobId: 20,
      spec: {
        kind: 'tabular-gan',
        config,
        data: { names: ['share: a', 'share: b', 'rate'], values, shares: 2, task: null },
      },
    });
    const snap = await h.until(
      (m) =>
        m.type === 'snapshot' && m.snapshot.kind === 'tabular-gan' && m.snapshot.fidelity !== null,
    );
    if (snap.type !== 'snapshot' || snap.snapshot.kind !== 'tabular-gan')
      throw new Error('no tabular snapshot');
    expect(snap.snapshot.split).toEqual({ train: 32, holdout: 8 });
    expect(snap.snapshot.fidelity!.marginals).toHaveLength(3);
    expect(snap.snapshot.fidelity!.tstr).toEqual({
      problem: 'the table has no purchase rate to predict',
    });
    expect(h.dataUrls).toEqual([]);
    await h.host.handle({
      type: 'start',
      jobId: 21,
      spec: { kind: 'tabular-gan', config } as unknown as JobSpec,
    });
    const failed = await h.until(
      (m) => m.type === 'job-state' && m.jobId === 21 && m.state === 'failed',
    );
    expect(failed).toMatchObject({ message: expect.stringMatching(/accept a log first/) });
    await h.host.dispose();
  });
});
