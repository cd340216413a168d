/**
 * The page's side of the training worker: starts it on the chosen backend,
 * forwards messages both ways, and restarts it on the next backend when the
 * GPU device is lost. Reactive fields drive the header badge.
 */
import { parseAutoRecords, withAutoRecord, withoutAutoRecord } from '../core/compute/auto-choice';
import type { AutoChoice } from '../core/compute/backends';
import {
  backendTitle,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
} from '../core/compute/backends';
import type { FromWorker, ToWorker } from '../core/protocol';
import { readDevice, writeDevice } from './common/device-store';
import { toasts } from './common/toasts.svelte';
import { assetUrl, createTrainingWorker } from './urls';

export type ClientStatus = 'starting' | 'ready' | 'failed';

/** Where auto's timings are kept on this device (auto-choice.ts's AutoRecord[]). */
const AUTO_KEY = 'demandlab.autoBackend';
type Listener = (msg: FromWorker) => void;

export class TrainingClient {
  backend = $state<BackendInfo | null>(null);
  status = $state<ClientStatus>('starting');
  error = $state<string | null>(null);
  preference = $state<BackendPreference>('auto');
  /** Backends whose device was lost in this page; the worker never tries them again. */
  excluded = $state<BackendName[]>([]);
  /** The backend auto is timing a training step on while the worker starts, or null. */
  timing = $state<BackendName | null>(null);
  /** A data set the worker is downloading for a job (MNIST, 8 MB), or null. */
  download = $state<{ name: string; received: number; total: number; since: number } | null>(null);

  private worker: Worker | null = null;
  // Listeners are plumbing, not UI state: a plain Set on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly listeners = new Set<Listener>();
  private pending: ToWorker[] = [];

  /** A cap on WASM threads (`?threads=`), or null for one per core. */
  private readonly wasmThreads: number | null;

  constructor(preference: BackendPreference, wasmThreads: number | null = null) {
    this.preference = preference;
    this.wasmThreads = wasmThreads;
  }

  /** Starts (or restarts) the worker with the current preference. */
  start(): void {
    this.worker?.terminate();
    this.status = 'starting';
    this.backend = null;
    this.error = null;
    this.timing = null;
    const worker = createTrainingWorker();
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.fail(`The training worker crashed: ${e.message || 'unknown error'}`);
    };
    this.worker = worker;
    worker.postMessage({
      type: 'init',
      backend: this.preference,
      exclude: [...this.excluded],
      wasmPrefix: assetUrl('tfjs-wasm/'),
      wasmThreads: this.wasmThreads,
      autoRecords: parseAutoRecords(readDevice(AUTO_KEY)),
      dataUrl: assetUrl('data/'),
    } satisfies ToWorker);
  }

  /** Switches backend: the worker restarts, and any running job stops. */
  setPreference(preference: BackendPreference): void {
    this.preference = preference;
    this.start();
  }

  /**
   * Auto again, timing the backends anew: this device's remembered timings
   * are forgotten (all of them when none is known, as after a manual pick).
   */
  measureAgain(): void {
    const device = this.backend?.choice?.device;
    const records = parseAutoRecords(readDevice(AUTO_KEY));
    writeDevice(AUTO_KEY, JSON.stringify(device ? withoutAutoRecord(records, device) : []));
    this.setPreference('auto');
  }

  /** Keeps timings made just now, so the next visit on this device starts at once. */
  private remember(choice: AutoChoice | undefined): void {
    if (!choice || choice.remembered) return;
    const { device, at, results } = choice;
    const records = parseAutoRecords(readDevice(AUTO_KEY));
    writeDevice(AUTO_KEY, JSON.stringify(withAutoRecord(records, { device, at, results })));
  }

  /** Sends a message once the worker is ready (queued until then). */
  send(msg: ToWorker): void {
    if (this.status === 'ready' && this.worker) this.worker.postMessage(msg);
    else this.pending.push(msg);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private receive(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        this.backend = msg.backend;
        this.status = 'ready';
        this.timing = null;
        this.remember(msg.backend.choice);
        for (const skipped of msg.backend.skipped) {
          toasts.push(
            'warn',
            `${backendTitle(skipped.name)} could not start (${skipped.reason}); using ${backendTitle(msg.backend.name)}.`,
          );
        }
        for (const m of this.pending.splice(0)) this.worker?.postMessage(m);
        break;
      case 'init-failed':
        this.fail(msg.message);
        break;
      case 'backend-timing':
        this.timing = msg.name;
        break;
      case 'device-lost':
        this.onDeviceLost(msg.backend, msg.message);
        break;
      case 'dataset-progress':
        // A new download starts its clock; the finished one clears.
        this.download =
          msg.received >= msg.total
            ? null
            : {
                name: msg.name,
                received: msg.received,
                total: msg.total,
                since:
                  this.download && this.download.received <= msg.received
                    ? this.download.since
                    : performance.now(),
              };
        break;
      case 'log':
        if (msg.level === 'error') console.error(msg.message);
        else if (msg.level === 'warn') toasts.push('warn', msg.message);
        break;
      default:
        break;
    }
    for (const fn of this.listeners) fn(msg);
  }

  private onDeviceLost(lost: BackendName, text: string): void {
    if (!this.excluded.includes(lost) && lost !== 'cpu') this.excluded = [...this.excluded, lost];
    toasts.push(
      'error',
      `The GPU device was lost (${backendTitle(lost)}: ${text}). Training stopped; ` +
        `DemandLab restarted on the next backend. Press Start to train again.`,
    );
    this.start();
  }

  private fail(text: string): void {
    this.status = 'failed';
    this.error = text;
    toasts.push('error', text);
  }

  /** Asks the worker to lose its GPU device for real (the recovery demo). */
  loseDevice(): void {
    this.send({ type: 'lose-device' });
  }
}
