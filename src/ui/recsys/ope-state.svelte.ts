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
import { runWorkerTask, type WorkerTask } from '../common/worker-task';
import { createOpeWorker } from '../urls';

export class OpeState {
  settings = $state<OpeSettings>(structuredClone(OPE_DEFAULTS));
  /** A team's policy file, read as text. */
  policyFile = $state.raw<{ name: string; text: string } | null>(null);
  /** Share of the policies judged while running, else null. */
  progress = $state<number | null>(null);
  report = $state.raw<OpeReport | null>(null);
  error = $state<string | null>(null);

  private task: WorkerTask | null = null;

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
    const task: WorkerTask = runWorkerTask<Extract<OpeReply, { type: 'done' }>>(
      createOpeWorker(),
      request,
      {
        progress: (share) => (this.progress = share),
        done: (m) => (this.report = m.report),
        failed: (message, crashed) =>
          (this.error = crashed
            ? `The evaluation's worker stopped: ${message}`
            : `The evaluation stopped: ${message}`),
        finally: () => {
          if (this.task === task) this.task = null;
          this.progress = null;
        },
      },
    );
    this.task = task;
  }

  cancel(): void {
    this.task?.cancel();
    this.task = null;
    this.progress = null;
  }
}
