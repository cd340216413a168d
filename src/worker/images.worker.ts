/// <reference lib="webworker" />
/**
 * The image worker: decodes and shrinks the user's own files off the page,
 * apart from the training worker so a big folder never stalls training.
 * Nothing leaves the machine: files are read from the disk the user picked.
 */
import {
  buildImageSet,
  centreSquare,
  type DecodedImage,
  type ImageSetReply,
  type ImageSetRequest,
} from '../core/data/image-set';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: ImageSetReply, transfer: Transferable[] = []) =>
  scope.postMessage(msg, transfer);

/** The browser's own decoders; the crop and first shrink happen while decoding. */
async function decode(bytes: Uint8Array, _name: string, maxSide: number): Promise<DecodedImage> {
  let full: ImageBitmap;
  try {
    full = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch {
    throw new Error('the browser cannot decode it (damaged, or not the type its name says)');
  }
  try {
    const sq = centreSquare(full.width, full.height);
    const side = Math.min(sq.size, maxSide);
    const small = await createImageBitmap(full, sq.x, sq.y, sq.size, sq.size, {
      resizeWidth: side,
      resizeHeight: side,
      resizeQuality: 'high',
    });
    const canvas = new OffscreenCanvas(side, side);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this worker');
    ctx.drawImage(small, 0, 0);
    small.close();
    return { width: side, height: side, rgba: ctx.getImageData(0, 0, side, side).data };
  } finally {
    full.close();
  }
}

scope.onmessage = async (e: MessageEvent<ImageSetRequest>) => {
  try {
    const { files, format } = e.data;
    const inputs = files.map(({ name, file }) => ({
      name,
      size: file.size,
      bytes: async () => new Uint8Array(await file.arrayBuffer()),
    }));
    let last = 0;
    const set = await buildImageSet(inputs, format, decode, (done, total) => {
      const now = performance.now();
      if (now - last > 100 || done === total) {
        last = now;
        post({ type: 'progress', done, total });
      }
    });
    post({ type: 'done', set }, [set.pixels.buffer]);
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
};
