import type { ImageDecoder } from '../../../src/core/data/image-set';

/**
 * Node has no image decoders, so these tests store images in a tiny raw
 * format: "RAW" + width + height bytes + RGBA. The browser's real decoding is
 * covered by the e2e test, which drops real PNGs.
 */
export function raw(
  width: number,
  height: number,
  rgba: (x: number, y: number) => number[],
): Uint8Array {
  const out = new Uint8Array(5 + width * height * 4);
  out.set([82, 65, 87, width, height]);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out.set(rgba(x, y), 5 + (y * width + x) * 4);
  return out;
}

export const decodeRaw: ImageDecoder = async (bytes) => {
  if (bytes.length < 5 || String.fromCharCode(...bytes.subarray(0, 3)) !== 'RAW')
    throw new Error('unknown image format');
  const [width, height] = [bytes[3]!, bytes[4]!];
  if (bytes.length !== 5 + width * height * 4) throw new Error('truncated image');
  return { width, height, rgba: bytes.subarray(5) };
};
