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
import { WorkerTask } from '../common/worker-task.svelte';
import { createOpeWorker } from '../urls';

export class OpeState {
  settings = $state<OpeSettings>(structuredClone(OPE_DEFAULTS));
  /** A team's policy file, read as text. */
  policyFile = $state.raw<{ name: string; text: string } | null>(null);
  report = $state.raw<OpeReport | null>(null);
  error = $state<string | null>(null);

  private readonly task = new WorkerTask<Extract<OpeReply, { type: 'done' }>>();

  /** Share of the work done while running, else null. */
  get progress(): number | null {
    return this.task.progress;
  }

  get running(): boolean {
    return this.task.running;
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
    this.error = null;
    this.report = null;
    this.task.run(createOpeWorker(), request, {
      done: (m) => (this.report = m.report),
      failed: (message, crashed) =>
        (this.error = crashed
          ? `The evaluation's worker stopped: ${message}`
          : `The evaluation stopped: ${message}`),
    });
  }

  cancel(): void {
    this.task.cancel();
  }
}
