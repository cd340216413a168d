/**
 * The user's own images for the GAN lab: the files they picked, the set the
 * image worker made from them, and its progress and problems. The files are
 * kept, so the set can be made again in another format without asking twice.
 */
import {
  imageSetProblem,
  type ImageFormat,
  type ImageSet,
  type ImageSetReply,
  type ImageSetRequest,
} from '../../core/data/image-set';
import type { PickedFile } from '../common/picked-files';
import { createImagesWorker } from '../urls';

export class OwnImages {
  files = $state.raw<PickedFile[]>([]);
  set = $state.raw<ImageSet | null>(null);
  /** Counts each set made, so the GAN state can tell a new set from the one it trains on. */
  version = $state(0);
  busy = $state(false);
  progress = $state({ done: 0, total: 0 });
  /** The image worker itself failed (not a bad file: those are listed in `set.skipped`). */
  error = $state<string | null>(null);
  private worker: Worker | null = null;
  /** The format the worker is making now. */
  private making: ImageFormat | null = null;

  /** Why the current set cannot train, or null when it can. */
  get problem(): string | null {
    if (this.busy) return 'your images are still being prepared';
    if (this.error) return this.error;
    if (!this.set) return 'add your images first (drop them, or choose files, a folder or a zip)';
    return imageSetProblem(this.set);
  }

  /** Makes a set from new files. */
  load(files: PickedFile[], format: ImageFormat): void {
    this.files = files;
    this.make(format);
  }

  /** Makes the set again from the kept files when it is not in `format` yet. */
  ensureFormat(format: ImageFormat): void {
    if (this.files.length === 0) return;
    const current = this.busy ? this.making : (this.set?.format ?? null);
    if (current !== format) this.make(format);
  }

  clear(): void {
    this.cancel();
    this.files = [];
    this.set = null;
    this.error = null;
    this.version++;
  }

  private cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.busy = false;
  }

  private make(format: ImageFormat): void {
    this.cancel();
    this.busy = true;
    this.making = format;
    this.error = null;
    this.progress = { done: 0, total: this.files.length };
    const worker = createImagesWorker();
    this.worker = worker;
    const finish = () => {
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      this.busy = false;
    };
    worker.onmessage = (e: MessageEvent<ImageSetReply>) => {
      if (this.worker !== worker) return;
      const msg = e.data;
      if (msg.type === 'progress') this.progress = { done: msg.done, total: msg.total };
      else if (msg.type === 'done') {
        this.set = msg.set;
        this.version++;
        finish();
      } else {
        this.error = `Your images could not be prepared: ${msg.message}`;
        finish();
      }
    };
    worker.onerror = (e) => {
      if (this.worker !== worker) return;
      this.error = `The image worker failed: ${e.message || 'it could not start'}`;
      finish();
    };
    const request: ImageSetRequest = { files: this.files, format };
    worker.postMessage(request);
  }
}
