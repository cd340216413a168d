/**
 * Reading zips that may be hostile. fflate's `unzipSync` trusts a file: it
 * inflates every entry before anyone can look at the sizes, keeps the last of
 * two entries with one name, and never checks a CRC. Here the central
 * directory is read first and checked whole (no duplicates, no entries that
 * overlap or run past the directory, no encryption or zip64), and the caller
 * then inflates only the entries it wants, with fflate's streaming `Inflate`,
 * counting bytes as they come out: an entry that inflates past the size it
 * declares (or past the caller's cap) is stopped there, one that comes out
 * short is refused, and every entry's CRC-32 must match.
 */
import { Inflate, strFromU8 } from 'fflate';

/** Why a zip was refused, in words for the user. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  /** The name as stored (UTF-8 when the zip says so, else read as Latin-1). */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  /** Compressed bytes, and bytes once inflated, as the directory declares them. */
  compressedSize: number;
  size: number;
  /** Where the compressed bytes start in the file. */
  dataStart: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Input fed to the inflater at a time: bounds what one push can expand to (~1,000× at most). */
const CHUNK = 16 * 1024;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** The CRC-32 of `bytes` (the zip and PNG one), as an unsigned number. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const u16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u32 = (b: Uint8Array, i: number) => (u16(b, i) | (u16(b, i + 2) << 16)) >>> 0;

function endOfDirectory(bytes: Uint8Array): number {
  // The record is 22 bytes, followed by a comment of at most 65,535.
  const last = bytes.length - 22;
  for (let i = last; i >= 0 && i >= last - 0xffff; i--)
    if (u32(bytes, i) === EOCD && i + 22 + u16(bytes, i + 20) === bytes.length) return i;
  throw new ZipError('not a zip file (no end-of-directory record)');
}

/**
 * The entries a zip's central directory lists, checked: at most `maxEntries`,
 * names unique, each entry's local header where the directory says and with
 * the same name, data inside the file and apart from every other entry's.
 */
export function listZip(bytes: Uint8Array, maxEntries: number): ZipEntry[] {
  const end = endOfDirectory(bytes);
  const count = u16(bytes, end + 10);
  const dirSize = u32(bytes, end + 12);
  const dirStart = u32(bytes, end + 16);
  if (u16(bytes, end + 4) !== 0 || u16(bytes, end + 6) !== 0 || u16(bytes, end + 8) !== count)
    throw new ZipError('zips split over several disks are not read');
  if (count === 0xffff || dirStart === 0xffffffff || dirSize === 0xffffffff)
    throw new ZipError('zip64 files are not read (no DemandLab file needs one)');
  if (count > maxEntries)
    throw new ZipError(`the zip holds ${count} entries; at most ${maxEntries} are read`);
  if (dirStart + dirSize > end) throw new ZipError('the zip directory runs past its end (damaged)');
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = dirStart;
  for (let n = 0; n < count; n++) {
    if (at + 46 > dirStart + dirSize || u32(bytes, at) !== CENTRAL)
      throw new ZipError('the zip directory is damaged');
    const flags = u16(bytes, at + 8);
    const method = u16(bytes, at + 10);
    const nameLength = u16(bytes, at + 28);
    const next = at + 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (next > dirStart + dirSize) throw new ZipError('the zip directory is damaged');
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = strFromU8(rawName, !(flags & 0x800));
    if (flags & 1) throw new ZipError(`${name} is encrypted`);
    if (method !== 0 && method !== 8)
      throw new ZipError(
        `${name} uses compression method ${method}; only stored and deflated are read`,
      );
    if (names.has(name)) throw new ZipError(`the zip holds ${name} twice`);
    names.add(name);
    const local = u32(bytes, at + 42);
    if (local + 30 > dirStart || u32(bytes, local) !== LOCAL)
      throw new ZipError(`${name}: its local header is not where the directory says`);
    const localName = bytes.subarray(local + 30, local + 30 + u16(bytes, local + 26));
    if (localName.length !== rawName.length || localName.some((b, i) => b !== rawName[i]))
      throw new ZipError(`${name}: the local header names another file`);
    const dataStart = local + 30 + localName.length + u16(bytes, local + 28);
    const entry: ZipEntry = {
      name,
      method,
      crc: u32(bytes, at + 16),
      compressedSize: u32(bytes, at + 20),
      size: u32(bytes, at + 24),
      dataStart,
    };
    if (dataStart + entry.compressedSize > dirStart)
      throw new ZipError(`${name} runs past the end of the data (damaged or cut short)`);
    if (method === 0 && entry.compressedSize !== entry.size)
      throw new ZipError(
        `${name} is stored with ${entry.compressedSize} bytes but says ${entry.size}`,
      );
    entries.push(entry);
    at = next;
  }
  const byStart = entries
    .map((e) => ({ e, from: e.dataStart, to: e.dataStart + e.compressedSize }))
    .sort((a, b) => a.from - b.from);
  for (let i = 1; i < byStart.length; i++)
    if (byStart[i]!.from < byStart[i - 1]!.to)
      throw new ZipError(`${byStart[i]!.e.name} overlaps ${byStart[i - 1]!.e.name}`);
  return entries;
}

/**
 * One entry's bytes, inflated with the count kept as they come: refused past
 * `maxBytes` or the size it declares, short of that size, or with a CRC-32
 * other than its own.
 */
export function readEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  const { name, size } = entry;
  if (size > maxBytes) throw new ZipError(`${name} is ${size} bytes; the limit is ${maxBytes}`);
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) out = data.slice();
  else {
    out = new Uint8Array(size);
    let filled = 0;
    let done = false;
    const inflater = new Inflate((chunk, final) => {
      if (filled + chunk.length > size)
        throw new ZipError(`${name} inflates to more than the ${size} bytes it declares`);
      out.set(chunk, filled);
      filled += chunk.length;
      done ||= final;
    });
    try {
      for (let i = 0; i < data.length; i += CHUNK)
        inflater.push(data.subarray(i, i + CHUNK), i + CHUNK >= data.length);
      if (data.length === 0) inflater.push(new Uint8Array(0), true);
    } catch (e) {
      if (e instanceof ZipError) throw e;
      throw new ZipError(
        `${name} cannot be inflated (damaged: ${e instanceof Error ? e.message : String(e)})`,
      );
    }
    if (!done || filled !== size)
      throw new ZipError(`${name} inflates to ${filled} bytes but declares ${size} (damaged)`);
  }
  if (crc32(out) !== entry.crc) throw new ZipError(`${name} fails its CRC-32 check (damaged)`);
  return out;
}
