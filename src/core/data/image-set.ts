/**
 * Turns the user's own files (images, folders of them, zip archives) into a
 * small training set: each image centre-cropped to a square, area-averaged
 * down to the GAN's size and stored as bytes. Decoding is passed in, so the
 * browser's decoder runs in the image worker and node tests use their own.
 * Files that cannot be used are listed with the reason, never dropped
 * silently; hidden files and macOS zip metadata are not the user's images
 * and are ignored.
 */
import { listZip, readEntry } from '../store/zip-read';

/** The shapes a set can be made in: MNIST's, or small colour images for the DCGAN. */
export type ImageFormat = 'grey28' | 'colour32';

export const IMAGE_FORMATS: Record<ImageFormat, { side: number; channels: 1 | 3; label: string }> =
  {
    grey28: { side: 28, channels: 1, label: '28×28 greyscale' },
    colour32: { side: 32, channels: 3, label: '32×32 colour' },
  };

export const IMAGE_SET_LIMITS = {
  /** Images kept; more are skipped with a reason (60 MB of colour bytes at most). */
  maxImages: 20_000,
  /** Largest single file, image or zip. */
  maxFileBytes: 64 * 1024 * 1024,
  /** Largest total a zip's files may unpack to (a zip bomb stops here). */
  maxZipBytes: 1024 * 1024 * 1024,
  /** Fewer images than this cannot train a GAN to anything useful. */
  minImages: 8,
};

/** A file the set could not use, and why, in words. */
export interface SkippedFile {
  name: string;
  reason: string;
}

/** A set made from the user's files: `side * side * channels` bytes per image, rows of pixels, RGB interleaved. */
export interface ImageSet {
  format: ImageFormat;
  side: number;
  channels: 1 | 3;
  count: number;
  pixels: Uint8Array;
  /** Where each image came from (zip entries as `archive.zip/inner/path.png`). */
  names: string[];
  skipped: SkippedFile[];
}

/** A decoded image: RGBA bytes, row by row. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray | Uint8Array;
}

/**
 * Decodes one image file. `maxSide` lets a decoder crop to the centre square
 * and shrink a large image as it decodes, so a photo never sits in memory at
 * full size; it may also return the whole image. Throws with a readable
 * message when the bytes are not an image it knows.
 */
export type ImageDecoder = (
  bytes: Uint8Array,
  name: string,
  maxSide: number,
) => Promise<DecodedImage>;

/** One file the user gave, read lazily. */
export interface InputFile {
  name: string;
  size: number;
  bytes(): Promise<Uint8Array>;
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'avif', 'ico'];

/** What to do with a file, judged by its name and size. */
export function classifyFile(
  name: string,
  size: number,
): { kind: 'image' | 'zip' } | { kind: 'ignore' } | { kind: 'skip'; reason: string } {
  const parts = name.split('/');
  const base = parts.at(-1) ?? name;
  if (base === '' || parts.some((p) => p === '__MACOSX') || base.startsWith('.'))
    return { kind: 'ignore' };
  const ext = base.includes('.') ? base.split('.').at(-1)!.toLowerCase() : '';
  if (size === 0) return { kind: 'skip', reason: 'the file is empty' };
  if (size > IMAGE_SET_LIMITS.maxFileBytes)
    return {
      kind: 'skip',
      reason: `the file is ${mb(size)}; the limit is ${mb(IMAGE_SET_LIMITS.maxFileBytes)}`,
    };
  if (ext === 'zip') return { kind: 'zip' };
  if (IMAGE_EXTENSIONS.includes(ext)) return { kind: 'image' };
  if (ext === 'svg')
    return { kind: 'skip', reason: 'SVG drawings are not decoded here: export them as PNG' };
  return {
    kind: 'skip',
    reason: ext
      ? `.${ext} is not an image type this lab reads (PNG, JPEG, GIF, WebP, BMP, AVIF)`
      : 'no file extension: name it .png, .jpg, … if it is an image',
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The largest centred square of a w × h image. */
export function centreSquare(
  width: number,
  height: number,
): { x: number; y: number; size: number } {
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), size };
}

/**
 * Centre-crops an RGBA image to a square and area-averages it to side × side,
 * compositing transparency over white (as a page shows it). Greyscale uses
 * the Rec. 601 luma weights.
 */
export function fitImage(img: DecodedImage, side: number, channels: 1 | 3): Uint8Array {
  const { width, height, rgba } = img;
  if (width < 1 || height < 1 || rgba.length < width * height * 4)
    throw new RangeError(`bad image buffer: ${width}×${height}, ${rgba.length} bytes`);
  const sq = centreSquare(width, height);
  const out = new Uint8Array(side * side * channels);
  const scale = sq.size / side;
  const acc = new Float64Array(3);
  for (let oy = 0; oy < side; oy++) {
    const y0 = sq.y + oy * scale;
    const y1 = y0 + scale;
    for (let ox = 0; ox < side; ox++) {
      const x0 = sq.x + ox * scale;
      const x1 = x0 + scale;
      acc.fill(0);
      let area = 0;
      // Each source pixel counts by how much of it falls inside the output pixel,
      // so enlarging and shrinking both come out right.
      for (let sy = Math.floor(y0); sy < Math.min(Math.ceil(y1), height); sy++) {
        const wy = Math.min(sy + 1, y1) - Math.max(sy, y0);
        for (let sx = Math.floor(x0); sx < Math.min(Math.ceil(x1), width); sx++) {
          const w = wy * (Math.min(sx + 1, x1) - Math.max(sx, x0));
          if (w <= 0) continue;
          const p = (sy * width + sx) * 4;
          const a = rgba[p + 3]! / 255;
          for (let c = 0; c < 3; c++) acc[c]! += w * (rgba[p + c]! * a + 255 * (1 - a));
          area += w;
        }
      }
      const o = (oy * side + ox) * channels;
      const [r, g, b] = [acc[0]! / area, acc[1]! / area, acc[2]! / area];
      if (channels === 1) out[o] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      else {
        out[o] = Math.round(r);
        out[o + 1] = Math.round(g);
        out[o + 2] = Math.round(b);
      }
    }
  }
  return out;
}

/**
 * The files in a zip, to read one at a time: the directory is checked first
 * (zip-read.ts: no duplicates, overlaps or encryption), each entry is
 * inflated only when its turn comes, never past the size it declares, and
 * checked against its CRC-32. Entries past the zip's unpacked-size budget are
 * listed as skipped, as is every other entry that is not used.
 */
async function zipEntries(file: InputFile, skipped: SkippedFile[]): Promise<InputFile[]> {
  const bytes = await file.bytes();
  const entries = listZip(bytes, 2 * IMAGE_SET_LIMITS.maxImages);
  const out: InputFile[] = [];
  let unpacked = 0;
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue; // a folder entry
    const name = `${file.name}/${entry.name}`;
    const kind = classifyFile(entry.name, entry.size).kind;
    if (kind === 'ignore') continue;
    if (kind === 'image' || kind === 'zip') {
      unpacked += entry.size;
      if (unpacked > IMAGE_SET_LIMITS.maxZipBytes) {
        skipped.push({
          name,
          reason: `the zip's files come to over ${mb(IMAGE_SET_LIMITS.maxZipBytes)} unpacked`,
        });
        continue;
      }
    }
    out.push({
      name,
      size: entry.size,
      bytes: () => Promise.resolve(readEntry(bytes, entry, IMAGE_SET_LIMITS.maxFileBytes)),
    });
  }
  return out;
}

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text || 'it could not be read';
}

/**
 * Builds a set from the user's files in the given format. Zip archives are
 * opened (one level deep); every file that is not used is in `skipped`.
 * `onProgress` gets (files looked at, files known so far).
 */
export async function buildImageSet(
  files: InputFile[],
  format: ImageFormat,
  decode: ImageDecoder,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<ImageSet> {
  const { side, channels } = IMAGE_FORMATS[format];
  const size = side * side * channels;
  const chunks: Uint8Array[] = [];
  const names: string[] = [];
  const skipped: SkippedFile[] = [];
  const queue: InputFile[] = [...files];
  let done = 0;

  const addImage = async (name: string, bytes: Uint8Array): Promise<void> => {
    if (names.length >= IMAGE_SET_LIMITS.maxImages) {
      skipped.push({ name, reason: `the set is full (${IMAGE_SET_LIMITS.maxImages} images)` });
      return;
    }
    let img: DecodedImage;
    try {
      // Decoders may shrink big images as they decode; 4× the target keeps the averaging honest.
      img = await decode(bytes, name, side * 4);
    } catch (e) {
      skipped.push({ name, reason: `not a readable image: ${reason(e)}` });
      return;
    }
    chunks.push(fitImage(img, side, channels));
    names.push(name);
  };

  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    const kind = classifyFile(file.name, file.size);
    if (kind.kind === 'skip') skipped.push({ name: file.name, reason: kind.reason });
    else if (kind.kind === 'image') {
      try {
        await addImage(file.name, await file.bytes());
      } catch (e) {
        skipped.push({ name: file.name, reason: `could not be read: ${reason(e)}` });
      }
    } else if (kind.kind === 'zip') {
      if (/\.zip\//i.test(file.name)) {
        skipped.push({ name: file.name, reason: 'a zip inside a zip: unpack it first' });
      } else {
        try {
          queue.push(...(await zipEntries(file, skipped)));
        } catch (e) {
          skipped.push({ name: file.name, reason: `not a readable zip archive: ${reason(e)}` });
        }
      }
    }
    done++;
    onProgress(done, queue.length);
  }

  const pixels = new Uint8Array(chunks.length * size);
  chunks.forEach((c, i) => pixels.set(c, i * size));
  return { format, side, channels, count: chunks.length, pixels, names, skipped };
}

/** Page -> image worker: make a set from these files. */
export interface ImageSetRequest {
  /** Each file with the path to show for it (a dropped folder's files carry theirs here). */
  files: { name: string; file: File }[];
  format: ImageFormat;
}

/** Image worker -> page. */
export type ImageSetReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; set: ImageSet }
  | { type: 'failed'; message: string };

/** Why a set cannot train a GAN, or null when it can. */
export function imageSetProblem(set: Pick<ImageSet, 'count' | 'skipped'>): string | null {
  if (set.count === 0)
    return set.skipped.length > 0
      ? `None of the ${set.skipped.length} files could be used: see the list below.`
      : 'No images found: drop image files (PNG, JPEG, …), a folder of them or a zip.';
  if (set.count < IMAGE_SET_LIMITS.minImages)
    return `Only ${set.count} usable image${set.count === 1 ? '' : 's'}: a GAN needs at least ${IMAGE_SET_LIMITS.minImages}.`;
  return null;
}
