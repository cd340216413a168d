/**
 * The file fuzzer: hostile and damaged session files, CSV logs and image
 * zips, generated fresh by fast-check from a printed seed, fed to the real
 * entry points. Each file must be refused with the entry point's own error,
 * or accepted as exactly what it was made from; nothing else may be thrown,
 * and nothing is written to the store on a refusal. The unit test runs a few
 * thousand of each; `npm run bench:fuzz` runs 100,000 and prints the counts.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { buildImageSet, type ImageSet, type InputFile } from '../../../src/core/data/image-set';
import {
  LogError,
  parseInteractionLog,
  type InteractionLog,
} from '../../../src/core/data/interaction-log';
import { logFromState, logToState } from '../../../src/core/data/log-state';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import type { Json } from '../../../src/core/store';
import type { DeletedSession } from '../../../src/core/store/session-records';
import { SessionStore } from '../../../src/core/store/sessions';
import {
  exportSession,
  ImportError,
  importSession,
  readSessionFile,
  storeImported,
} from '../../../src/core/store/transfer';
import { decodeRaw, raw } from './raw-images';
import { madeUpPrior } from './log-prior';
import { checkpoint, fingerprint, forged, newSession, progress, save } from './session-fixtures';
import {
  CheckpointError,
  loadCheckpoint,
  type CheckpointInput,
} from '../../../src/core/store/checkpoint';
import type { LogModelConfig } from '../../../src/core/rl/models/log-model-config';
import { ownLogOf, ownLogState } from '../../../src/core/rl/models/own-log-state';
import { patchEntry, renameEntry } from './zip-surgery';

export interface FuzzCounts {
  files: number;
  refused: number;
  /** Accepted and exactly what the file was made from. */
  acceptedSame: number;
  /** Accepted but different: a bug, must stay 0. */
  acceptedChanged: number;
  /** Thrown something other than the entry point's own error: a bug, must stay 0. */
  uncaught: number;
  /** Refused, yet the store changed: a bug, must stay 0. */
  writtenOnRefusal: number;
  /** The first few bugs, to replay. */
  examples: string[];
  /** Largest heap plus array buffers seen, in bytes. */
  peakMemory: number;
}

const counts = (): FuzzCounts => ({
  files: 0,
  refused: 0,
  acceptedSame: 0,
  acceptedChanged: 0,
  uncaught: 0,
  writtenOnRefusal: 0,
  examples: [],
  peakMemory: 0,
});

function note(c: FuzzCounts, what: keyof FuzzCounts, example: string): void {
  (c[what] as number)++;
  if (c.examples.length < 5) c.examples.push(`${what}: ${example}`);
}

function memory(c: FuzzCounts): void {
  const m = process.memoryUsage();
  c.peakMemory = Math.max(c.peakMemory, m.heapUsed + m.arrayBuffers);
}

type SessionMutation =
  | { kind: 'bytes'; make: (base: Uint8Array) => Uint8Array }
  | { kind: 'forged'; make: (base: Uint8Array) => Promise<Uint8Array> };

const ENTRY = fc.constantFrom('manifest.json', 'checkpoint.bin', 'samples/16.bin');
const MANIFEST_KEYS = fc.constantFrom(
  'format',
  'version',
  'hashes',
  'session',
  'history',
  'samples',
  'checkpoint',
);
const SUB_KEYS = fc.constantFrom(
  'name',
  'config',
  'step',
  'weights',
  'optimizer',
  'extra',
  'rng',
  'file',
  '__proto__',
  'constructor',
  'x',
  'y',
  '0',
);

/** Every way a session file is damaged or forged here. */
const sessionMutation: fc.Arbitrary<SessionMutation> = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips): SessionMutation => ({
      kind: 'bytes',
      make: (b) => {
        const out = b.slice();
        for (const [at, x] of flips) out[at % out.length]! ^= x;
        return out;
      },
    })),
  fc
    .tuple(fc.nat(), fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 64 }))
    .map(([at, insert, cut]): SessionMutation => ({
      kind: 'bytes',
      make: (b) => {
        const i = at % b.length;
        const out = new Uint8Array(b.length + insert.length - Math.min(cut, b.length - i));
        out.set(b.subarray(0, i));
        out.set(insert, i);
        out.set(b.subarray(i + Math.min(cut, b.length - i)), i + insert.length);
        return out;
      },
    })),
  fc.nat().map((n): SessionMutation => ({ kind: 'bytes', make: (b) => b.slice(0, n % b.length) })),
  fc
    .uint8Array({ maxLength: 2000 })
    .map((junk): SessionMutation => ({ kind: 'bytes', make: () => junk })),
  fc
    .tuple(ENTRY, fc.option(fc.nat()), fc.option(fc.nat()), fc.option(fc.nat()))
    .map(([name, crc, size, compressedSize]): SessionMutation => ({
      kind: 'bytes',
      make: (b) =>
        patchEntry(b, name, {
          crc: crc ?? undefined,
          size: size ?? undefined,
          compressedSize: compressedSize ?? undefined,
        }),
    })),
  ENTRY.map((name): SessionMutation => ({
    kind: 'bytes',
    make: (b) => {
      const files = unzipSync(b);
      const twin = name.slice(0, -1) + '~';
      return renameEntry(zipSync({ ...files, [twin]: files[name]! }), twin, name);
    },
  })),
  fc
    .tuple(MANIFEST_KEYS, fc.option(SUB_KEYS), fc.jsonValue({ maxDepth: 3 }), fc.boolean())
    .map(([key, sub, value, rehash]): SessionMutation => ({
      kind: 'forged',
      make: async (b) => {
        const files = unzipSync(b);
        const m = JSON.parse(strFromU8(files['manifest.json']!)) as Record<string, unknown>;
        const target = m[key];
        if (sub !== null && target && typeof target === 'object')
          Object.defineProperty(target, sub, { value, enumerable: true, writable: true });
        else m[key] = value;
        files['manifest.json'] = strToU8(JSON.stringify(m));
        return rehash ? forged(files) : zipSync(files);
      },
    })),
  fc
    .tuple(ENTRY, fc.uint8Array({ maxLength: 256 }), fc.boolean())
    .map(([name, bytes, rehash]): SessionMutation => ({
      kind: 'forged',
      make: async (b) => {
        const files = { ...unzipSync(b), [name]: bytes };
        return rehash ? forged(files) : zipSync(files);
      },
    })),
);

async function storeCounts(store: SessionStore): Promise<string> {
  const names = ['sessions', 'histories', 'samples', 'checkpoints'] as const;
  return (await Promise.all(names.map((n) => store.db.count(n)))).join(',');
}

/** Fuzzes session import with `runs` files from `seed`. */
const raceFromLog = (() => {
  const c = defaultRecsysConfig();
  return {
    ...c,
    fromLog: madeUpPrior(c),
    agents: [agentSettings('cf'), agentSettings('two-headed'), agentSettings('popularity')],
  } as unknown as Json;
})();

/** A model run on your own log: the log's columns and names ride in its state. */
const modelRun = {
  model: 'cf',
  source: 'own',
  sessions: 500,
  epochs: 2,
  seed: 1,
} satisfies LogModelConfig as unknown as Json;

async function ownLogCheckpoint(): Promise<CheckpointInput> {
  const csv = [
    'user_id,item_id,event,timestamp,price,category,segment',
    'u1,i1,view,2026-01-05T10:00:00Z,19.99,shoes,new',
    'u1,i1,click,2026-01-05T10:00:05Z,19.99,shoes,new',
    'u2,i2,view,1767607260,,bags,',
    'u2,i2,purchase,1767607290,350,bags,loyal',
  ].join('\n');
  const own = ownLogState({ name: 'shop.csv', log: await parseInteractionLog(csv) });
  const c = checkpoint(16);
  return {
    ...c,
    weights: [...c.weights, ...own.tensors],
    extra: { job: { reports: [], learned: false }, own: own.json },
  };
}

/** The files fuzzed: a race from a log, and a model run on your own log. */
async function baseFiles(store: SessionStore): Promise<Uint8Array[]> {
  // A race from a log: CF's tables and the two-headed network's weights ride in its settings.
  const race = await store.create({ ...newSession, config: raceFromLog });
  await save(store, race.id, checkpoint(16));
  await store.saveHistory(race.id, { reward: { x: [8, 16], y: [1.5, NaN] } });
  const run = await store.create({ ...newSession, lab: 'log-model', config: modelRun });
  const own = await ownLogCheckpoint();
  await store.saveRun(run.id, { ...progress(own), config: modelRun });
  return [await exportSession(store, race.id), await exportSession(store, run.id)];
}

export async function fuzzSessions(runs: number, seed: number): Promise<FuzzCounts> {
  const c = counts();
  const store = await SessionStore.open({ name: `fuzz-${seed}-${Math.random()}` });
  try {
    const bases = await baseFiles(store);
    const originals = await Promise.all(
      bases.map(async (b) => fingerprint(await readSessionFile(b, readLabConfig))),
    );
    await fc.assert(
      fc.asyncProperty(
        sessionMutation,
        fc.nat({ max: 24 }),
        fc.nat({ max: bases.length - 1 }),
        async (mutation, storeCheck, which) => {
          const base = bases[which]!;
          const original = originals[which]!;
          c.files++;
          let file: Uint8Array;
          try {
            file = mutation.kind === 'bytes' ? mutation.make(base) : await mutation.make(base);
          } catch {
            c.files--; // the mutation itself did not apply (an entry it needs was cut away)
            return;
          }
          const label = `${mutation.kind} file of ${file.length} bytes`;
          let read: DeletedSession;
          try {
            read = await readSessionFile(file, readLabConfig);
          } catch (e) {
            if (!(e instanceof ImportError)) note(c, 'uncaught', `${label}: ${String(e)}`);
            else c.refused++;
            if (storeCheck === 0) {
              const before = await storeCounts(store);
              await importSession(store, file, readLabConfig).catch(() => {});
              if ((await storeCounts(store)) !== before) note(c, 'writtenOnRefusal', label);
            }
            memory(c);
            return;
          }
          if (mutation.kind === 'bytes') {
            if (fingerprint(read) === original) c.acceptedSame++;
            else note(c, 'acceptedChanged', label);
          } else {
            // A forged file is a different session, so it must at least come back as itself.
            const imported = await storeImported(store, read);
            const again = await readSessionFile(
              await exportSession(store, imported.id),
              readLabConfig,
            );
            if (fingerprint(again, false) === fingerprint(read, false)) c.acceptedSame++;
            else note(c, 'acceptedChanged', `${label}: its re-export differs`);
            await store.delete(imported.id);
            // Opening a model run reads your log back from its state: checked whole, or refused.
            const saved = read.checkpoints[0];
            if (read.session.lab === 'log-model' && saved)
              try {
                ownLogOf(await loadCheckpoint(saved));
              } catch (e) {
                if (!(e instanceof CheckpointError)) note(c, 'uncaught', `${label}: ${String(e)}`);
              }
          }
          memory(c);
        },
      ),
      { numRuns: runs, seed },
    );
  } finally {
    store.close();
  }
  return c;
}

const CELLS = fc.oneof(
  fc.constantFrom('u1', 'u2', 'i1', 'i 2', '__proto__', 'view', 'click', 'cart', 'buy', 'like'),
  fc.constantFrom('2026-01-05T10:00:00Z', '2024-02-30', '2026-04-31', '1767607260', '25:00', ''),
  fc.constantFrom('19.99', '0', '-3', '1e3', '350000000000000000000000000000000000000', 'NaN'),
  fc.constantFrom('d1', 'd 2', '0.25', '1', '1.0000001', '1e-300', '7', '99', '100', '-1', '0x1'),
  fc.constantFrom('"quoted, comma"', '"line\nbreak"', '"cr\rbreak"', '"bad"quote', '=cmd|x'),
  fc.string({ maxLength: 12 }),
);
const BREAK = fc.constantFrom('\n', '\r\n', '\r');
const HEADER = fc.oneof(
  fc.constant('user_id,item_id,event,timestamp,price,category,segment'),
  fc.constant(
    'user_id,item_id,event,timestamp,price,category,segment,decision,position,propensity',
  ),
  fc
    .shuffledSubarray(['user_id', 'item_id', 'event', 'decision', 'position', 'propensity'], {
      minLength: 3,
    })
    .map((h) => h.join(',')),
  fc
    .shuffledSubarray(['user_id', 'item_id', 'event', 'timestamp', 'price', 'junk'], {
      minLength: 1,
    })
    .map((h) => h.join(',')),
  fc.string({ maxLength: 40 }),
);
/** A log the importer accepted comes back whole from the state a session keeps of it (one with rows: a model needs some). */
function sameLogBack(log: InteractionLog): boolean {
  if (log.user.length === 0) return true;
  const saved = logToState(log, 'log');
  const back = logFromState(JSON.parse(JSON.stringify(saved.json)), saved.tensors, 'log');
  return JSON.stringify(columnsOf(back)) === JSON.stringify(columnsOf(log));
}

/** Everything of a log, typed arrays as lists (NaN spelled out). */
const columnsOf = (log: InteractionLog): unknown[] =>
  Object.entries(log).map(([k, v]) => [
    k,
    ArrayBuffer.isView(v)
      ? Array.from(v as Float64Array, String)
      : k === 'shows' && v
        ? columnsOf(v as unknown as InteractionLog)
        : v,
  ]);

const CSV = fc
  .tuple(
    fc.boolean(),
    HEADER,
    fc.array(fc.tuple(fc.array(CELLS, { maxLength: 9 }), BREAK), { maxLength: 40 }),
    BREAK,
  )
  .map(
    ([bom, header, rows, first]) =>
      (bom ? '\uFEFF' : '') +
      header +
      first +
      rows.map(([cells, br]) => cells.join(',') + br).join(''),
  );

/** A recommender's log of what it showed, each row the header's width, with damage in its cells. */
const SHOWS_CSV = fc
  .array(
    fc.tuple(
      fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5', ''),
      fc.constantFrom('i1', 'i 2', 'i3'),
      fc.constantFrom('view', 'click', 'buy', 'like'),
      fc.constantFrom('d1', 'd2', 'd3', '', 'x'.repeat(201)),
      fc.constantFrom('0', '1', '99', '100', '-1', '', 'x'),
      fc.constantFrom('0.25', '1', '0.5', '0', '1.5', '', 'abc', '1e-300', '-0.1'),
    ),
    { maxLength: 40 },
  )
  .map((rows) =>
    ['user_id,item_id,event,decision,position,propensity', ...rows.map((r) => r.join(','))].join(
      '\n',
    ),
  );

/** Fuzzes the interaction-log reader with `runs` CSV files from `seed`, as text and as a file. */
export async function fuzzCsv(runs: number, seed: number): Promise<FuzzCounts> {
  const c = counts();
  await fc.assert(
    fc.asyncProperty(fc.oneof(CSV, SHOWS_CSV), async (text) => {
      c.files++;
      const lines = text.split(/\r\n|\r|\n/).length;
      const results: string[] = [];
      for (const input of [text, new Blob([text])]) {
        try {
          const log = await parseInteractionLog(input);
          const s = log.summary;
          const sound =
            s.accepted + s.refused === s.rows &&
            s.problems.every((p) => p.line >= 2 && p.line <= lines && p.reason.length < 300) &&
            Array.from(log.price).every((p) => Number.isNaN(p) || Number.isFinite(p)) &&
            Array.from(log.time).every((t) => Number.isFinite(t)) &&
            Array.from(log.shows?.propensity ?? []).every(
              (q) => Number.isNaN(q) || (q > 0 && q <= 1),
            ) &&
            sameLogBack(log);
          if (!sound) note(c, 'acceptedChanged', JSON.stringify(text.slice(0, 200)));
          results.push(
            JSON.stringify({ s, u: log.userIds, i: log.itemIds, p: Array.from(log.price) }),
          );
        } catch (e) {
          if (!(e instanceof LogError))
            note(c, 'uncaught', `${String(e)} on ${JSON.stringify(text.slice(0, 200))}`);
          else if ((e as Error).message.length > 1000)
            note(c, 'acceptedChanged', 'a message over 1,000 characters');
          results.push(`refused: ${(e as Error).message}`);
        }
      }
      // The same text read at once and streamed from a file must give the same log.
      if (results[0] !== results[1])
        note(c, 'acceptedChanged', `text and file differ: ${JSON.stringify(text.slice(0, 200))}`);
      else if (results[0]!.startsWith('refused')) c.refused++;
      else c.acceptedSame++;
      memory(c);
    }),
    { numRuns: runs, seed },
  );
  return c;
}

const rawImage = (v: number) => raw(4, 4, () => [v, v, v, v]);
const IMAGE_NAMES = ['a.png', 'b.png', 'dir/c.png'];
const asFile = (name: string, bytes: Uint8Array): InputFile => ({
  name,
  size: bytes.length,
  bytes: () => Promise.resolve(bytes),
});

const zipMutation = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 })
    .map((flips) => (b: Uint8Array) => {
      const out = b.slice();
      for (const [at, x] of flips) out[at % out.length]! ^= x;
      return out;
    }),
  fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % b.length)),
  fc.tuple(fc.constantFrom(...IMAGE_NAMES), fc.option(fc.nat()), fc.option(fc.nat())).map(
    ([name, crc, size]) =>
      (b: Uint8Array) =>
        patchEntry(b, name, { crc: crc ?? undefined, size: size ?? undefined }),
  ),
  fc.constantFrom(
    (b: Uint8Array) => renameEntry(b, 'b.png', 'a.png'),
    (b: Uint8Array) => zipSync({ ...unzipSync(b), 'Nested.ZIP': b }),
    (b: Uint8Array) =>
      renameEntry(zipSync({ ...unzipSync(b), protoname: rawImage(9) }), 'protoname', '__proto__'),
  ),
);

/** Fuzzes image-zip reading with `runs` zips from `seed`: accepted images must be the originals. */
export async function fuzzImageZips(runs: number, seed: number): Promise<FuzzCounts> {
  const c = counts();
  const base = zipSync(Object.fromEntries(IMAGE_NAMES.map((n, i) => [n, rawImage(40 * (i + 1))])));
  const pixelsOf = (set: ImageSet) =>
    new Map(
      set.names.map((n, i) => [
        n,
        set.pixels.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3).join(),
      ]),
    );
  const original = pixelsOf(await buildImageSet([asFile('set.zip', base)], 'colour32', decodeRaw));
  const originals = new Set(original.values());
  await fc.assert(
    fc.asyncProperty(zipMutation, async (mutate) => {
      c.files++;
      let zip: Uint8Array;
      try {
        zip = mutate(base);
      } catch {
        c.files--;
        return;
      }
      let set: ImageSet;
      try {
        set = await buildImageSet([asFile('set.zip', zip)], 'colour32', decodeRaw);
      } catch (e) {
        note(c, 'uncaught', String(e));
        return;
      }
      // A name may differ (both its headers edited alike), but never an image's pixels.
      const same = [...pixelsOf(set).values()].every((px) => originals.has(px));
      if (!same) note(c, 'acceptedChanged', `a changed image was taken (${set.names.join(', ')})`);
      else if (set.count === original.size) c.acceptedSame++;
      else c.refused++;
      memory(c);
    }),
    { numRuns: runs, seed },
  );
  return c;
}
