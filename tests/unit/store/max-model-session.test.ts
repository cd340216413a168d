/**
 * The largest model run on a log goes out as a file and comes back bit for
 * bit, and the run resumed from the imported file trains on exactly as the
 * unbroken one: CF on the largest log of your own, which the session
 * carries. Its size is measured against the import's limits (transfer.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_KINDS, type InteractionLog } from '../../../src/core/data/interaction-log';
import {
  MODEL_LOG_LIMITS,
  type LogModelConfig,
} from '../../../src/core/rl/models/log-model-config';
import { LogModelJob } from '../../../src/core/rl/models/log-model-job';
import { ownLogRace } from '../../../src/core/rl/models/log-source';
import { ownLogOf } from '../../../src/core/rl/models/own-log-state';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { MAX_CHECKPOINT_BYTES, MAX_FILE_BYTES } from '../../../src/core/store/transfer';
import { throughAFile } from '../helpers/through-a-file';
import { useWorkerWasm } from '../helpers/kernel-checks';

// The worker's own backends: tfjs's pure-JS cpu backend takes minutes a step on tables this large.
beforeAll(useWorkerWasm);

/**
 * The largest log a model trains on, as your own: the most shoppers the
 * models take, 2,000 items (the most a race shows, so what CF learns is
 * saved too), and the importer's 2,000,000 rows.
 */
function largestLog(shoppers: number = MODEL_LOG_LIMITS.shoppers): InteractionLog {
  const n = 2_000_000;
  const items = 2_000;
  const spread = (k: number) => (k * 2_654_435_761) % items;
  const user = Int32Array.from({ length: n }, (_, k) => k % shoppers);
  const item = Int32Array.from({ length: n }, (_, k) => spread(k));
  const event = Uint8Array.from({ length: n }, (_, k) => (k % 10 === 0 ? 1 : k % 97 === 0 ? 3 : 0));
  const time = Float64Array.from({ length: n }, (_, k) => 1.7e12 + k * 1000);
  const price = Float32Array.from({ length: n }, (_, k) => (k % 13 === 0 ? NaN : 5 + (k % 200)));
  const category = Int32Array.from({ length: n }, (_, k) => spread(k) % 40);
  const events = { view: 0, click: 0, cart: 0, purchase: 0 };
  for (const e of event) events[EVENT_KINDS[e]!]++;
  return {
    summary: {
      rows: n,
      accepted: n,
      refused: 0,
      problems: [],
      users: shoppers,
      items,
      categories: 40,
      segments: 0,
      events,
      from: time[0]!,
      to: time[n - 1]!,
      priceMin: 5,
      priceMax: 204,
      ignoredColumns: [],
      truncated: null,
    },
    userIds: Array.from({ length: shoppers }, (_, i) => `shopper-${i}`),
    itemIds: Array.from({ length: items }, (_, i) => `P${i}`),
    categoryNames: Array.from({ length: 40 }, (_, i) => `category ${i}`),
    segmentNames: [],
    user,
    item,
    event,
    time,
    price,
    category,
    segment: new Int32Array(n).fill(-1),
  };
}

/** Byte-for-byte equality of typed arrays (a deep equal walks millions of values slowly). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

describe('the largest model run on a log round-trips through a file', () => {
  it('CF on the largest log of your own: the log, the tables and Adam, and the resumed run', async () => {
    const own = { name: 'largest-export.csv', log: largestLog() };
    const config: LogModelConfig = {
      model: 'cf',
      source: 'own',
      sessions: 500,
      epochs: 1,
      seed: 4,
    };
    expect(readLabConfig('log-model', config).problem).toBeNull();
    const job = () =>
      new LogModelJob(config, own.log, undefined, ownLogRace(own, config.seed), own.name);
    const train = async (j: LogModelJob, steps: number) => {
      for (let i = 0; i < steps; i++) j.trainStep();
      await j.flush();
    };
    const unbroken = job();
    await train(unbroken, 2);
    const saved = await unbroken.saveState();
    const { store, file, checkpointBytes, back } = await throughAFile('log-model', config, saved);
    const log = ownLogOf(back)!.log;
    expect(log.userIds).toEqual(own.log.userIds);
    expect(log.summary).toEqual(own.log.summary);
    for (const c of ['user', 'item', 'event', 'time', 'price', 'category', 'segment'] as const)
      expect(sameBytes(log[c], own.log[c]), c).toBe(true);

    await train(unbroken, 2);
    const expected = await unbroken.saveState();
    unbroken.dispose();
    const resumed = job();
    await resumed.loadState(back);
    await train(resumed, 2);
    const got = await resumed.saveState();
    resumed.dispose();
    expect(got.weights.map((t) => t.shape)).toEqual(expected.weights.map((t) => t.shape));
    got.weights.forEach((t, i) => expect(sameBytes(t.data, expected.weights[i]!.data)).toBe(true));

    // By its first epoch's end a run also keeps what CF learned: a copy of its tables.
    const tables = saved.weights
      .filter((t) => t.name.startsWith('model/'))
      .reduce((n, t) => n + t.data.byteLength, 0);
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
    console.log(
      `largest CF run: checkpoint ${mb(checkpointBytes)} (+${mb(tables)} learned by an epoch's end), file ${mb(file.length)}`,
    );
    expect(checkpointBytes + tables).toBeLessThan(MAX_CHECKPOINT_BYTES / 2);
    expect(file.length).toBeLessThan(MAX_FILE_BYTES / 2);
    store.close();

    // One shopper more is refused before anything is built, saying what the limit is.
    const over = largestLog(MODEL_LOG_LIMITS.shoppers + 1);
    expect(() => new LogModelJob(config, over)).toThrow(/up to 200,000 shoppers/);
  }, 600_000);
});
