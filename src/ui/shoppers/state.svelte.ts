/**
 * Reactive state of the synthetic-shoppers lab: an interaction log is read
 * in a worker, its summary shown, and it is used only once the user accepts
 * it; then a GAN learns its shoppers (gan-state) and the cold-start
 * experiment measures what they are worth. Logs stay in this tab's
 * memory; nothing is uploaded or stored.
 */
import type { InteractionLog, LogReply } from '../../core/data/interaction-log';
import { shopperFeatures, type ShopperFeatures } from '../../core/data/shopper-features';
import type { SyntheticPopulation } from '../../core/rl/lab/config';
import type { TrainingClient } from '../training-client.svelte';
import { assetUrl, createLogsWorker } from '../urls';
import { ColdStartState } from './cold-start-state.svelte';
import { ShopperGanState } from './gan-state.svelte';
import { TABULAR_PRESET } from '../../core/gan/tabular-config';

export const SAMPLE_LOG = 'data/logs/sample-interactions.csv';
/** Steps between fidelity checks in the demo: the first views within seconds. */
const DEMO_FIDELITY_EVERY = 50;

export class ShoppersState {
  /** A log read and waiting for the user's yes or no. */
  pending = $state.raw<{ name: string; log: InteractionLog } | null>(null);
  /** The log in use, and its shoppers as feature vectors. */
  accepted = $state.raw<{ name: string; log: InteractionLog; features: ShopperFeatures } | null>(
    null,
  );
  reading = $state<string | null>(null);
  rowsRead = $state(0);
  /** How much of the file being read is done, 0 to 1. */
  fractionRead = $state(0);
  error = $state<string | null>(null);

  /** The GAN that learns the accepted shoppers. */
  readonly gan: ShopperGanState;
  /** The cold-start experiment on them. */
  readonly coldStart = new ColdStartState();

  private worker: Worker | null = null;

  constructor(client: TrainingClient) {
    this.gan = new ShopperGanState(client);
  }

  /** Reads a log file in the worker; the summary waits for Accept. Settles when the read ends, well or not. */
  read(file: Blob, name: string): Promise<void> {
    let resolve = (): void => {};
    const done = new Promise<void>((r) => (resolve = r));
    this.worker?.terminate();
    this.error = null;
    this.pending = null;
    this.reading = name;
    this.rowsRead = 0;
    this.fractionRead = 0;
    const worker = (this.worker = createLogsWorker());
    worker.onmessage = (e: MessageEvent<LogReply>) => {
      const m = e.data;
      if (m.type === 'progress') {
        this.rowsRead = m.rows;
        this.fractionRead = m.fraction;
        return;
      }
      this.reading = null;
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      if (m.type === 'done') this.pending = { name, log: m.log };
      else this.error = `“${name}” could not be read: ${m.message}`;
      resolve();
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.reading = null;
      this.error = `The log reader stopped: ${e.message || 'unknown error'}`;
      resolve();
    };
    worker.postMessage({ file });
    return done;
  }

  /** The sample log that ships with the app (simulated fashion shoppers). */
  async readSample(): Promise<void> {
    try {
      const response = await fetch(assetUrl(SAMPLE_LOG));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await this.read(await response.blob(), 'sample-interactions.csv');
    } catch (e) {
      this.error = `The sample log could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /**
   * The home page's demo: the sample log read and accepted, and a shopper
   * GAN training on it that checks its fidelity often enough to show every
   * view within seconds.
   */
  async demo(): Promise<void> {
    if (!this.accepted || this.accepted.name !== 'sample-interactions.csv') {
      await this.readSample();
      this.accept();
    }
    const accepted = this.accepted;
    if (!accepted) return; // the read failed, and `error` says why
    this.gan.config = { ...TABULAR_PRESET, fidelityEvery: DEMO_FIDELITY_EVERY };
    this.gan.start(accepted.features);
  }

  accept(): void {
    const p = this.pending;
    if (!p || p.log.summary.accepted === 0) return;
    // The GAN run and the experiment belong to the previous log's shoppers.
    this.gan.clear();
    this.coldStart.clear();
    this.accepted = { ...p, features: shopperFeatures(p.log) };
    this.pending = null;
  }

  /**
   * The GAN's latest synthetic shoppers, ready for the recommender lab (only
   * those of `segment`, when given and the GAN is conditioned), or null
   * before it made any.
   */
  syntheticPopulation(segment: number | null = null): SyntheticPopulation | null {
    const f = this.gan.fidelity;
    const a = this.accepted;
    if (!f || !a) return null;
    const D = this.gan.names.length;
    const labels = this.gan.syntheticLabels;
    const names = this.gan.segmentNames;
    const only = segment !== null && labels && names ? segment : null;
    const rows: number[] = [];
    for (let r = 0; r < f.synthetic.length / D; r++)
      if (only === null || labels![r] === only)
        for (let j = 0; j < D; j++)
          // Four decimals: plenty for a shopper's shares and rates, and a saved session stays small.
          rows.push(Math.round(f.synthetic[r * D + j]! * 1e4) / 1e4);
    if (rows.length === 0) return null;
    const who = only === null ? '' : `“${names![only]}” shoppers of `;
    return {
      source: `${who}the shopper GAN at step ${f.step.toLocaleString('en')} on ${a.name}`,
      names: [...this.gan.names],
      shares: a.features.shares,
      scale: { ...a.features.scale },
      values: rows,
    };
  }

  discard(): void {
    this.pending = null;
  }
}
