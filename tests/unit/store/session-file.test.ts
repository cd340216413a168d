import fc from 'fast-check';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { CheckpointInput } from '../../../src/core/store/checkpoint';
import type { DeletedSession } from '../../../src/core/store/session-records';
import type { SessionStore } from '../../../src/core/store/sessions';
import {
  exportSession,
  ImportError,
  importSession,
  MAX_TOTAL_BYTES,
  readSessionFile,
} from '../../../src/core/store/transfer';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import type { RecsysConfig } from '../../../src/core/rl/lab/config';
import { fingerprint, forged, recsys } from '../helpers/session-fixtures';
import { checkpoint, freshStore, newSession, save } from '../helpers/store-fixtures';
import { entryCrc, patchEntry, renameEntry } from '../helpers/zip-surgery';

async function exported(
  c: CheckpointInput = checkpoint(16),
): Promise<{ store: SessionStore; bytes: Uint8Array; id: string }> {
  const store = await freshStore();
  const s = await store.create(newSession);
  await save(store, s.id, c);
  await store.saveHistory(s.id, { reward: { x: [8, 16], y: [1.5, NaN] } });
  await store.addSample({
    sessionId: s.id,
    step: 16,
    width: 2,
    height: 1,
    channels: 3,
    pixels: new Uint8Array([1, 2, 3, 4, 5, 6]),
  });
  return { store, bytes: await exportSession(store, s.id), id: s.id };
}

/**
 * Rewrites the entries of a session file. With `rehash`, the manifest's
 * hashes are brought up to date, as a forger who knows the format would.
 */
async function tamper(
  bytes: Uint8Array,
  edit: (files: Record<string, Uint8Array>) => void,
  rehash = false,
): Promise<Uint8Array> {
  const files = unzipSync(bytes);
  edit(files);
  return rehash ? forged(files) : zipSync(files);
}
// The hostile-file cases poke at any field of the manifest, typed or not.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const editManifest = (bytes: Uint8Array, edit: (m: Loose) => void) =>
  tamper(bytes, (f) => {
    const m = JSON.parse(strFromU8(f['manifest.json']!)) as Loose;
    edit(m);
    f['manifest.json'] = strToU8(JSON.stringify(m));
  });

/** Refused with an ImportError whose message matches, or null when the file was accepted. */
async function refusal(file: Uint8Array): Promise<string | null> {
  try {
    await readSessionFile(file, readLabConfig);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
}

describe('session files', () => {
  it('export then import gives an identical session under a new id', async () => {
    const { store, bytes, id } = await exported();
    const manifest = JSON.parse(strFromU8(unzipSync(bytes)['manifest.json']!)) as Loose;
    expect(manifest.version).toBe(2);
    expect(Object.keys(manifest.hashes).sort()).toEqual(['checkpoint.bin', 'samples/16.bin']);
    const imported = await importSession(store, bytes, readLabConfig);
    expect(imported.id).not.toBe(id);
    const [a, b] = await Promise.all([store.read(id), store.read(imported.id)]);
    expect(b.session.name).toBe(a.session.name);
    expect(b.session.config).toEqual(a.session.config);
    expect(b.session.step).toBe(16);
    expect(b.history!.metrics.reward!.x).toEqual([8, 16]);
    expect(b.history!.metrics.reward!.y[1]).toBeNaN();
    expect(Array.from(b.samples[0]!.pixels)).toEqual([1, 2, 3, 4, 5, 6]);
    const [ca, cb] = await Promise.all([store.checkpoint(id), store.checkpoint(imported.id)]);
    expect(cb!.weights.map((t) => Array.from(t.data))).toEqual(
      ca!.weights.map((t) => Array.from(t.data)),
    );
    expect(cb!.optimizer.map((t) => Array.from(t.data))).toEqual(
      ca!.optimizer.map((t) => Array.from(t.data)),
    );
    expect(cb!.rng).toEqual(ca!.rng);
  });

  it('imports its own export with thousands of tensors (limits are in bytes, not tensors)', async () => {
    // A race of four agents at population 64 saves over 7,000 state arrays.
    const many: CheckpointInput = {
      ...checkpoint(3),
      optimizer: Array.from({ length: 8000 }, (_, i) => ({
        name: `state/${i}`,
        shape: [2],
        dtype: 'int32' as const,
        data: new Int32Array([i, -i]),
      })),
    };
    const { store, bytes } = await exported(many);
    const back = await importSession(store, bytes, readLabConfig);
    const c = await store.checkpoint(back.id);
    expect(c!.optimizer).toHaveLength(8000);
    expect(Array.from(c!.optimizer[7999]!.data)).toEqual([7999, -7999]);
  });

  it('still imports a file from before the hashes (version 1), with its CRCs checked', async () => {
    const { bytes } = await exported();
    const v1 = await editManifest(bytes, (m) => {
      m.version = 1;
      delete m.hashes;
    });
    const a = await readSessionFile(bytes, readLabConfig);
    const b = await readSessionFile(v1, readLabConfig);
    expect(fingerprint(b)).toBe(fingerprint(a));
    // One bit of a weight flipped, stored under the original CRC: the CRC catches it.
    const flipped = await tamper(v1, (f) => (f['checkpoint.bin']![1]! ^= 1));
    const forged = patchEntry(flipped, 'checkpoint.bin', { crc: entryCrc(v1, 'checkpoint.bin') });
    expect(await refusal(forged)).toMatch(/checkpoint.bin fails its CRC-32 check/);
    // With a fresh CRC, a version-1 file cannot tell: that is what the hashes are for.
    expect(await refusal(flipped)).toBeNull();
  });

  it('refuses a file changed after export, even with its CRCs redone, by the SHA-256 in the manifest', async () => {
    const { bytes } = await exported();
    const flipped = await tamper(bytes, (f) => (f['checkpoint.bin']![1]! ^= 1));
    expect(await refusal(flipped)).toMatch(/checkpoint.bin does not match its SHA-256/);
    const pixels = await tamper(bytes, (f) => (f['samples/16.bin']![0] = 99));
    expect(await refusal(pixels)).toMatch(/samples\/16.bin does not match its SHA-256/);
    const unlisted = await editManifest(bytes, (m) => delete m.hashes['checkpoint.bin']);
    expect(await refusal(unlisted)).toMatch(/records no SHA-256 for checkpoint.bin/);
    const none = await editManifest(bytes, (m) => delete m.hashes);
    expect(await refusal(none)).toMatch(/lacks the files' SHA-256/);
  });

  it('refuses or keeps bit for bit every single-byte change of an export', async () => {
    const { bytes } = await exported();
    const original = fingerprint(await readSessionFile(bytes, readLabConfig));
    let refused = 0;
    for (let i = 0; i < bytes.length; i++)
      for (const x of [0x01, 0x80, 0xff]) {
        const file = bytes.slice();
        file[i]! ^= x;
        let read: DeletedSession;
        try {
          read = await readSessionFile(file, readLabConfig);
        } catch (e) {
          expect(e).toBeInstanceOf(ImportError);
          refused++;
          continue;
        }
        // Accepted: the change was in a byte that carries nothing (a timestamp, a comment).
        expect(fingerprint(read)).toBe(original);
      }
    expect(refused).toBeGreaterThan(bytes.length * 2);
  });

  it('never inflates an entry the manifest does not name, however large it says it is', async () => {
    const { bytes } = await exported();
    const files = unzipSync(bytes);
    // Garbage that says it inflates to 3.5 GB: reading it at all would fail or fill memory.
    const bomb = zipSync({ ...files, 'samples/999.bin': new Uint8Array(64).fill(7) });
    const forged = patchEntry(bomb, 'samples/999.bin', { size: 3.5e9 });
    const read = await readSessionFile(forged, readLabConfig);
    expect(read.samples.map((s) => s.step)).toEqual([16]);
  });

  it('stops an entry that inflates past the size it declares, and counts the total', async () => {
    const { bytes } = await exported();
    // samples/16.bin declares its 6 bytes but holds 1 MB of zeros (1 KB compressed).
    const big = await tamper(bytes, (f) => (f['samples/16.bin'] = new Uint8Array(1 << 20)));
    const bomb = patchEntry(big, 'samples/16.bin', { size: 6 });
    expect(await refusal(bomb)).toMatch(/samples\/16.bin inflates to more than the 6 bytes/);
    const huge = patchEntry(bytes, 'checkpoint.bin', { size: MAX_TOTAL_BYTES + 1 });
    expect(await refusal(huge)).toMatch(/the limit is|over \d+ bytes/);
    // An entry that inflates short of what it declares lost its tail.
    const short = patchEntry(bytes, 'checkpoint.bin', { size: 48 });
    expect(await refusal(short)).toMatch(/checkpoint.bin inflates to 44 bytes but declares 48/);
    const cut = patchEntry(bytes, 'checkpoint.bin', { size: 40 });
    expect(await refusal(cut)).toMatch(/inflates to more than the 40 bytes/);
  });

  it('refuses duplicate entries, overlapping entries and data past the directory', async () => {
    const { bytes } = await exported();
    const files = unzipSync(bytes);
    const twoManifests = renameEntry(
      zipSync({ ...files, 'manifest.jsoX': strToU8('{}') }),
      'manifest.jsoX',
      'manifest.json',
    );
    expect(await refusal(twoManifests)).toMatch(/holds manifest.json twice/);
    const twoCheckpoints = renameEntry(
      zipSync({ ...files, 'checkpoint.biX': new Uint8Array(40) }),
      'checkpoint.biX',
      'checkpoint.bin',
    );
    expect(await refusal(twoCheckpoints)).toMatch(/holds checkpoint.bin twice/);
    const long = patchEntry(bytes, 'samples/16.bin', { compressedSize: 1 << 20 });
    expect(await refusal(long)).toMatch(/runs past the end of the data/);
  });

  it('refuses tensors that overlap, share a name, leave gaps or have impossible shapes', async () => {
    const { bytes } = await exported();
    const edit = (e: (m: Loose) => void) => editManifest(bytes, e);
    // The weights are dense/kernel [3, 2] at 0 and dense/bias [2] at 24, then the optimizer's.
    expect(await refusal(await edit((m) => (m.checkpoint.weights[1].offset = 16)))).toMatch(
      /dense\/bias starts at byte 16, not 24/,
    );
    expect(
      await refusal(await edit((m) => (m.checkpoint.weights[1].name = 'dense/kernel'))),
    ).toMatch(/two tensors are named dense\/kernel/);
    expect(await refusal(await edit((m) => (m.checkpoint.weights[0].shape = [0, 1e300])))).toMatch(
      /not a session \(at checkpoint.weights.0.shape.1\)/,
    );
    expect(await refusal(await edit((m) => (m.checkpoint.weights[0].shape = [3, 1])))).toMatch(
      /dense\/bias starts at byte 24, not 12/,
    );
    expect(await refusal(await edit((m) => (m.checkpoint.weights[0].shape = [30, 2])))).toMatch(
      /needs more bytes than the file holds/,
    );
    expect(await refusal(await edit((m) => m.checkpoint.optimizer.pop()))).toMatch(
      /the tensors fill 40 of checkpoint.bin's 44 bytes/,
    );
  });

  it('refuses hostile and damaged files with a reason, and writes nothing', async () => {
    const { store, bytes } = await exported();
    const before = await store.db.count('sessions');
    const cases: [Uint8Array, RegExp][] = [
      [bytes.slice(0, bytes.length - 40), /not a DemandLab session file/],
      [strToU8('hello'), /not a DemandLab session file: not a zip/],
      [zipSync({ 'notes.txt': strToU8('hi') }), /no manifest.json/],
      [await tamper(bytes, (f) => delete f['manifest.json']), /no manifest.json/],
      [await tamper(bytes, (f) => (f['manifest.json'] = strToU8('{ nope'))), /not valid JSON/],
      [await editManifest(bytes, (m) => (m.format = 'other')), /not a session/],
      [await editManifest(bytes, (m) => (m.session.evil = 1)), /not a session/],
      [
        await editManifest(bytes, (m) => (m.session.config.agents = 'all')),
        /agents must be a array|settings are not valid/,
      ],
      [await editManifest(bytes, (m) => (m.session.config.population = 1000)), /population/],
      [
        await editManifest(
          bytes,
          (m) => (m.session.config.reward = 'constructor.constructor("x")()'),
        ),
        /reward/,
      ],
      [
        await tamper(bytes, (f) => {
          const text = strFromU8(f['manifest.json']!).replace(
            '"config":{',
            '"config":{"__proto__":{"polluted":1},',
          );
          f['manifest.json'] = strToU8(text);
        }),
        /__proto__|unknown settings/,
      ],
      [await tamper(bytes, (f) => delete f['checkpoint.bin']), /checkpoint.bin is missing/],
      [
        await tamper(bytes, (f) => (f['checkpoint.bin'] = f['checkpoint.bin']!.slice(4)), true),
        /the tensors fill|needs more bytes/,
      ],
      [
        await tamper(
          bytes,
          (f) => {
            const bin = f['checkpoint.bin']!.slice();
            new DataView(bin.buffer).setFloat32(0, NaN, true);
            f['checkpoint.bin'] = bin;
          },
          true,
        ),
        /holds NaN/,
      ],
      [await tamper(bytes, (f) => (f['samples/16.bin'] = new Uint8Array(5)), true), /needs 6/],
      [await editManifest(bytes, (m) => (m.history.reward.y = [1])), /2 steps but 1 values/],
      [
        await editManifest(bytes, (m) => m.samples.push({ ...m.samples[0], step: 17 })),
        /two samples name the same file/,
      ],
      [
        zipSync(unzipSync(bytes), { level: 0 }).map((b, i, a) => (i === a.length - 22 ? 0 : b)),
        /not a zip/,
      ],
    ];
    for (const [file, reason] of cases) {
      await expect(importSession(store, file, readLabConfig)).rejects.toThrow(ImportError);
      await expect(importSession(store, file, readLabConfig)).rejects.toThrow(reason);
    }
    expect(await store.db.count('sessions')).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops settings an agent does not use when no control allows them, with a note; refuses the rest', async () => {
    const { bytes } = await exported();
    const withAgents = (agents: unknown[]) =>
      tamper(
        bytes,
        (f) => {
          const m = JSON.parse(strFromU8(f['manifest.json']!)) as Loose;
          m.session.config.agents = agents;
          f['manifest.json'] = strToU8(JSON.stringify(m));
        },
        true,
      );
    const read = await readSessionFile(
      await withAgents([{ ...agentSettings('ucb'), replay: -5 }]),
      readLabConfig,
    );
    expect(read.notes).toEqual([
      'Agent 1 (UCB1) does not use replay; it held a value the lab does not allow, so it is back at the default.',
    ]);
    expect((read.session.config as unknown as RecsysConfig).agents).toEqual([agentSettings('ucb')]);
    // The app's own export reads without notes, its settings as they were.
    const own = await readSessionFile(bytes, readLabConfig);
    expect(own.notes).toEqual([]);
    expect(own.session.config).toEqual(recsys);
    expect(await refusal(await withAgents([{ ...agentSettings('dqn'), replay: -5 }]))).toBe(
      'the recsys settings are not valid: agents.0: the replay size must be 100 to 100,000',
    );
  });

  it('reads stored (uncompressed) entries as well as deflated ones', async () => {
    const { bytes } = await exported();
    const stored = zipSync(unzipSync(bytes), { level: 0 });
    const a = await readSessionFile(bytes, readLabConfig);
    expect(fingerprint(await readSessionFile(stored, readLabConfig))).toBe(fingerprint(a));
  });

  it('never throws anything but an ImportError on random or mangled bytes', async () => {
    const { bytes } = await exported();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (junk) => {
        await expect(readSessionFile(junk, readLabConfig)).rejects.toThrow(ImportError);
      }),
      { numRuns: 300 },
    );
    const manifest = JSON.parse(strFromU8(unzipSync(bytes)['manifest.json']!)) as Record<
      string,
      unknown
    >;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'session',
              'checkpoint',
              'history',
              'samples',
              'format',
              'version',
              'hashes',
            ),
            fc.jsonValue(),
          ),
          { maxLength: 3 },
        ),
        async (edits) => {
          const m = structuredClone(manifest);
          for (const [k, value] of edits) m[k] = value;
          const file = await tamper(
            bytes,
            (f) => (f['manifest.json'] = strToU8(JSON.stringify(m))),
          );
          try {
            await readSessionFile(file, readLabConfig);
          } catch (e) {
            expect(e).toBeInstanceOf(ImportError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
