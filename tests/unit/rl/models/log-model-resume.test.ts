/**
 * A model run on a log saves and resumes like every run: the network and
 * Adam's state, where the batches stand, each epoch's measurement and what
 * was learned by the last one go into the checkpoint; a run on your own log
 * carries the log too. Built again from the settings through the worker's
 * own job factory and given the state (packed, unpacked, its JSON part
 * through a file), it trains on exactly as the run that never stopped.
 * A damaged state is refused whole, saying what is wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { JobPausedError, type JobCheckpoint } from '../../../../src/core/jobs/job';
import type {
  LogModelConfig,
  LogModelName,
  LogModelSnapshot,
} from '../../../../src/core/rl/models/log-model-config';
import { LogModelJob } from '../../../../src/core/rl/models/log-model-job';
import { ownLogOf } from '../../../../src/core/rl/models/own-log-state';
import type { OwnLog } from '../../../../src/core/rl/models/log-source';
import { simulatedLog } from '../../../../src/core/rl/sim/simulated-log';
import {
  CheckpointError,
  packCheckpoint,
  unpackCheckpoint,
  type NamedTensor,
} from '../../../../src/core/store/checkpoint';
import type { Json } from '../../../../src/core/store/schema';
import { JobFactory } from '../../../../src/worker/jobs';
import { sampleLogText } from '../../helpers/log-model';
import { useWorkerWasm } from '../../helpers/kernel-checks';

beforeAll(useWorkerWasm);

const factory = new JobFactory(() => {}, {
  loadMnist: () => Promise.reject(new Error('not used')),
  loadClassifier: () => Promise.reject(new Error('not used')),
  loadLogText: () => sampleLogText(),
});

/** A job as the worker builds it; resuming a run on your own log, the page reads the log from the state. */
async function job(config: LogModelConfig, given?: OwnLog, resume?: JobCheckpoint) {
  const own = given ?? (resume && ownLogOf(resume)) ?? undefined;
  const j = await factory.create(
    { kind: 'log-model', config, ...(own && { log: own }), ...(resume && { resume }) },
    'wasm',
  );
  if (!(j instanceof LogModelJob)) throw new Error('not a log-model job');
  if (resume) await j.loadState(resume);
  return j;
}

/** `n` steps as the runner takes them, a flush after each; a pause at the epochs asked for is passed over. */
async function train(j: LogModelJob, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    j.trainStep();
    try {
      await j.flush();
    } catch (e) {
      if (!(e instanceof JobPausedError)) throw e;
    }
  }
}

/** Through storage and an export file: packed, unpacked, the JSON part written and read. */
function stored(saved: JobCheckpoint): JobCheckpoint {
  const out = unpackCheckpoint(packCheckpoint(saved, { id: 'c', sessionId: 's', createdAt: 0 }));
  out.extra = JSON.parse(JSON.stringify(out.extra)) as Json;
  return out;
}

/** What the page sees, less the training clock (which differs run to run). */
function shown(s: LogModelSnapshot) {
  return { ...s, epochs: s.epochs.map(({ seconds: _, ...e }) => e) };
}

/** Every saved tensor's shape and values (tfjs numbers layer names per page, so not their names). */
const weightsOf = async (j: LogModelJob) =>
  (await j.saveState()).weights.map((w) => [w.shape, Array.from(w.data)]);

/** The renamed simulator log of own-log.test.ts, small: a shop's own export. */
async function ownLog(): Promise<OwnLog> {
  const csv = simulatedLog({ shop: 'fashion', sessions: 300, seed: 5 }).csv.replace(
    /sku-(\d+)/g,
    (_, n: string) => `P${(Number(n) * 7919) % 100_003}`,
  );
  return { name: 'shop-export.csv', log: await parseInteractionLog(csv) };
}

const OWN_RUN: LogModelConfig = { model: 'cf', source: 'own', sessions: 500, epochs: 1, seed: 2 };

/** CF on your own log, saved just past its first epoch, and the run that goes on. */
async function ownRunSaved() {
  const own = await ownLog();
  const unbroken = await job(OWN_RUN, own);
  const per = (await unbroken.snapshot()).snapshot.epochSteps;
  await train(unbroken, per + 1);
  return { own, unbroken, per, saved: stored(await unbroken.saveState()) };
}

describe('a model run on a log, saved and resumed', () => {
  const models: LogModelName[] = ['cf', 'predictor', 'two-headed'];
  for (const model of models)
    it(`${model}: continues exactly as a run that never stopped`, async () => {
      const config: LogModelConfig = { model, source: 'sample', sessions: 500, epochs: 2, seed: 3 };
      const unbroken = await job(config);
      const per = (await unbroken.snapshot()).snapshot.epochSteps;
      // Past the first epoch's measurement, part way into the second.
      await train(unbroken, per + Math.ceil(per / 2));
      const saved = stored(await unbroken.saveState());
      expect(saved.step).toBe(per + Math.ceil(per / 2));
      // On past the pause at two epochs, into the third.
      const rest = 3 * per + 2 - saved.step;
      await train(unbroken, rest);
      const expected = (await unbroken.snapshot()).snapshot;
      const expectedWeights = await weightsOf(unbroken);
      unbroken.dispose();
      expect(expected.epochs).toHaveLength(3);
      if (model !== 'predictor') expect(expected.prior).not.toBeNull();

      const resumed = await job(config, undefined, saved);
      await train(resumed, rest);
      const got = (await resumed.snapshot()).snapshot;
      expect(shown(got)).toEqual(shown(expected));
      expect(await weightsOf(resumed)).toEqual(expectedWeights);
      resumed.dispose();

      // Without the saved state the same steps go differently.
      const fresh = await job(config);
      await train(fresh, rest);
      expect(await weightsOf(fresh)).not.toEqual(expectedWeights);
      fresh.dispose();
    });

  it('a run on your own log carries the log, and resumes from its state alone', async () => {
    const { own, unbroken, per, saved } = await ownRunSaved();
    const back = ownLogOf(saved);
    expect(back?.name).toBe('shop-export.csv');
    expect(back?.log).toEqual(own.log);
    await train(unbroken, per);
    const expected = (await unbroken.snapshot()).snapshot;
    unbroken.dispose();
    expect(expected.prior?.catalog?.price).toHaveLength(own.log.itemIds.length);

    // The log comes from the state alone.
    const resumed = await job(OWN_RUN, undefined, saved);
    await train(resumed, per);
    expect(shown((await resumed.snapshot()).snapshot)).toEqual(shown(expected));
    resumed.dispose();

    // A run on a log the app writes itself does not carry it.
    const sample = await job({ ...OWN_RUN, source: 'sample' });
    await train(sample, 2);
    expect(ownLogOf(await sample.saveState())).toBeNull();
    sample.dispose();
  });

  it('refuses a damaged state whole, naming what is wrong', async () => {
    const { own, unbroken, per, saved } = await ownRunSaved();
    unbroken.dispose();

    const extra = saved.extra as { job: Record<string, Json>; own: { log: Record<string, Json> } };
    const withExtra = (edit: (e: typeof extra) => void): JobCheckpoint => {
      const e = structuredClone(extra);
      edit(e);
      return { ...saved, extra: e as unknown as Json };
    };
    const withTensor = (name: string, edit: (t: NamedTensor) => NamedTensor | null) => ({
      ...saved,
      weights: saved.weights.flatMap((t) => {
        if (t.name !== name) return [t];
        const out = edit({ ...t, data: t.data.slice() });
        return out ? [out] : [];
      }),
    });
    const damaged: [string, JobCheckpoint, RegExp][] = [
      [
        'an epoch out of place',
        withExtra((e) => ((e.job.reports as { epoch: number }[])[0]!.epoch = 4)),
        /out of place/,
      ],
      ['a step past its epochs', { ...saved, step: saved.step + 3 * per }, /epochs measured/],
      [
        'a metric that is text',
        withExtra(
          (e) => ((e.job.reports as { metrics: Record<string, Json> }[])[0]!.metrics.auc = 'high'),
        ),
        /metrics/,
      ],
      [
        'a shuffle that repeats a row',
        withTensor('stream/order', (t) => ((t.data[1] = t.data[0]!), t)),
        /not a shuffle/,
      ],
      [
        'an item the log does not name',
        withTensor('log/item', (t) => ((t.data[7] = own.log.itemIds.length), t)),
        /does not have/,
      ],
      [
        'a summary that miscounts',
        withExtra((e) => ((e.own.log.summary as { events: { click: number } }).events.click += 1)),
        /summary/,
      ],
      [
        'a learned table missing',
        withTensor('learned/cf/item', () => null),
        /learned|missing|tables/,
      ],
      [
        'a weight of another shape',
        withTensor('model/0/user_embedding/embeddings', (t) => ({
          ...t,
          shape: [1, t.data.length],
        })),
        /\[/,
      ],
    ];
    for (const [what, bad, message] of damaged) {
      const attempt = async () => {
        const j = await job(OWN_RUN, undefined, bad);
        j.dispose();
      };
      await expect(attempt(), what).rejects.toThrow(CheckpointError);
      await expect(attempt(), what).rejects.toThrow(message);
    }
  });
});
