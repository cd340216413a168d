/**
 * Hand edits to a zip's headers, for hostile-file tests: what a tool that
 * writes zips correctly (fflate) never produces, but an attacker or a
 * damaged disk can.
 */
import { strToU8 } from 'fflate';

const u16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u32 = (b: Uint8Array, i: number) => (u16(b, i) | (u16(b, i + 2) << 16)) >>> 0;
const put32 = (b: Uint8Array, i: number, v: number) =>
  new DataView(b.buffer, b.byteOffset).setUint32(i, v >>> 0, true);

/** Each entry's central-directory and local-header offsets, by name. */
function headers(zip: Uint8Array): { name: string; central: number; local: number }[] {
  let end = zip.length - 22;
  while (u32(zip, end) !== 0x06054b50) end--;
  const out = [];
  let at = u32(zip, end + 16);
  for (let n = u16(zip, end + 10); n > 0; n--) {
    const nameLength = u16(zip, at + 28);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    out.push({ name, central: at, local: u32(zip, at + 42) });
    at += 46 + nameLength + u16(zip, at + 30) + u16(zip, at + 32);
  }
  return out;
}

/** A copy of `zip` with an entry's CRC-32 and/or declared sizes rewritten in both its headers. */
export function patchEntry(
  zip: Uint8Array,
  name: string,
  fields: { crc?: number; size?: number; compressedSize?: number },
): Uint8Array {
  const out = zip.slice();
  const h = headers(out).find((e) => e.name === name);
  if (!h) throw new Error(`no entry ${name}`);
  const both = (at: number, v: number | undefined) => {
    if (v === undefined) return;
    put32(out, h.central + 16 + at, v);
    put32(out, h.local + 14 + at, v);
  };
  both(0, fields.crc);
  both(4, fields.compressedSize);
  both(8, fields.size);
  return out;
}

/** An entry's CRC-32 as its central directory records it. */
export function entryCrc(zip: Uint8Array, name: string): number {
  const h = headers(zip).find((e) => e.name === name);
  if (!h) throw new Error(`no entry ${name}`);
  return u32(zip, h.central + 16);
}

/** A copy of `zip` with every header naming `from` naming `to` instead (same length). */
export function renameEntry(zip: Uint8Array, from: string, to: string): Uint8Array {
  const a = strToU8(from);
  const b = strToU8(to);
  if (a.length !== b.length) throw new Error('names must have the same length');
  const out = zip.slice();
  for (const h of headers(zip).filter((e) => e.name === from)) {
    out.set(b, h.central + 46);
    out.set(b, h.local + 30);
  }
  return out;
}
