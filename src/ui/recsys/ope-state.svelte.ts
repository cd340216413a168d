/**
 * Reactive state of "Evaluate on a log": the log and policies picked, the
 * worker judging them, and its report. The report belongs to the settings
 * it was made with, which it keeps beside it.
 */
import {
  OPE_DEFAULTS,
  opeSettingsRequest,
  type OpeReply,
  type OpeReport,
  type OpeRequest,
  type OpeSettings,
} from '../../core/rl/ope/request';
import type { OwnLog } from '../../core/rl/models/log-source';
import { createOpeWorker } from '../urls';

export class OpeState {
  settings = $state<OpeSettings>(structuredClone(OPE_DEFAULTS));
  /** A team's policy file, read as text. */
  policyFile = $state.raw<{ name: string; text: string } | null>(null);
  /** Share of the policies judged while running, else null. */
  progress = $state<number | null>(null);
  report = $state.raw<OpeReport | null>(null);
  error = $state<string | null>(null);

  private worker: Worker | null = null;

  get running(): boolean {
    return this.progress !== null;
  }

  /** The request these settings make on `own` (the log read under Shoppers), or the problem with them. */
  request(own: OwnLog | null): OpeRequest | string {
    return opeSettingsRequest($state.snapshot(this.settings), own, this.policyFile);
  }

  run(own: OwnLog | null): void {
    const request = this.request(own);
    if (typeof request === 'string') {
      this.error = `Cannot evaluate: ${request}.`;
      return;
    }
    this.cancel();
    this.error = null;
    this.report = null;
    this.progress = 0;
    const worker = (this.worker = createOpeWorker());
    const finish = () => {
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      this.progress = null;
    };
    worker.onmessage = (e: MessageEvent<OpeReply>) => {
      const m = e.data;
      if (m.type === 'progress') {
        this.progress = m.done / m.total;
        return;
      }
      finish();
      if (m.type === 'done') this.report = m.report;
      else this.error = `The evaluation stopped: ${m.message}`;
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish();
      this.error = `The evaluation's worker stopped: ${e.message || 'unknown error'}`;
    };
    worker.postMessage(request);
  }

  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.progress = null;
  }
}
