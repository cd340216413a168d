/**
 * Reactive state of the synthetic-shoppers lab: an interaction log is read
 * in a worker, its summary shown, and it is used only once the user accepts
 * it; then a GAN learns its shoppers (gan-state). Logs stay in this tab's
 * memory; nothing is uploaded or stored.
 */
import type { InteractionLog, LogReply } from '../../core/data/interaction-log';
import { shopperFeatures, type ShopperFeatures } from '../../core/data/shopper-features';
import type { TrainingClient } from '../training-client.svelte';
import { assetUrl, createLogsWorker } from '../urls';
import { ShopperGanState } from './gan-state.svelte';

export const SAMPLE_LOG = 'data/logs/sample-interactions.csv';

export class ShoppersState {
  /** A log read and waiting for the user's yes or no. */
  pending = $state.raw<{ name: string; log: InteractionLog } | null>(null);
  /** The log in use, and its shoppers as feature vectors. */
  accepted = $state.raw<{ name: string; log: InteractionLog; features: ShopperFeatures } | null>(
    null,
  );
  reading = $state<string | null>(null);
  rowsRead = $state(0);
  error = $state<string | null>(null);

  /** The GAN that learns the accepted shoppers. */
  readonly gan: ShopperGanState;

  private worker: Worker | null = null;

  constructor(client: TrainingClient) {
    this.gan = new ShopperGanState(client);
  }

  /** Reads a log file in the worker; the summary waits for Accept. */
  read(file: Blob, name: string): void {
    this.worker?.terminate();
    this.error = null;
    this.pending = null;
    this.reading = name;
    this.rowsRead = 0;
    const worker = (this.worker = createLogsWorker());
    worker.onmessage = (e: MessageEvent<LogReply>) => {
      const m = e.data;
      if (m.type === 'progress') {
        this.rowsRead = m.rows;
        return;
      }
      this.reading = null;
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      if (m.type === 'done') this.pending = { name, log: m.log };
      else this.error = `“${name}” could not be read: ${m.message}`;
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.reading = null;
      this.error = `The log reader stopped: ${e.message || 'unknown error'}`;
    };
    worker.postMessage({ file });
  }

  /** The sample log that ships with the app (simulated fashion shoppers). */
  async readSample(): Promise<void> {
    try {
      const response = await fetch(assetUrl(SAMPLE_LOG));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.read(await response.blob(), 'sample-interactions.csv');
    } catch (e) {
      this.error = `The sample log could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  accept(): void {
    const p = this.pending;
    if (!p || p.log.summary.accepted === 0) return;
    if (this.gan.active) this.gan.stop(); // it learns the previous log's shoppers
    this.accepted = { ...p, features: shopperFeatures(p.log) };
    this.pending = null;
  }

  discard(): void {
    this.pending = null;
  }
}
