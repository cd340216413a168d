/**
 * Reactive state of "Evaluate on a log": the log and policies picked, the
 * worker judging them, and its report. The report belongs to the settings
 * it was made with, which it keeps beside it.
 */
import type { RacePolicies } from '../../core/rl/lab/race-policies';
import {
  OPE_DEFAULTS,
  opeSettingsProblem,
  opeSettingsRequest,
  type OpeReply,
  type OpeReport,
  type OpeSettings,
} from '../../core/rl/ope/request';
import type { OwnLog } from '../../core/rl/models/log-source';
import { WorkerTask } from '../common/worker-task.svelte';
import { createOpeWorker } from '../urls';

/** The race beside the evaluation: why its agents cannot be asked now (or null), and asking them. */
export interface RaceSource {
  problem(): string | null;
  policies(): Promise<RacePolicies>;
}

export class OpeState {
  settings = $state<OpeSettings>(structuredClone(OPE_DEFAULTS));
  /** A team's policy file, read as text. */
  policyFile = $state.raw<{ name: string; text: string } | null>(null);
  report = $state.raw<OpeReport | null>(null);
  error = $state<string | null>(null);

  /** The race's agents are being measured in the training worker. */
  measuring = $state(false);
  /** Counts requests to the race, so that a cancelled one's answer is dropped. */
  private asks = 0;

  private readonly task = new WorkerTask<Extract<OpeReply, { type: 'done' }>>();

  constructor(private readonly race: RaceSource | null = null) {}

  /** Share of the work done while running, else null. */
  get progress(): number | null {
    return this.task.progress;
  }

  get running(): boolean {
    return this.measuring || this.task.running;
  }

  /** What stops an evaluation on `own` (the log read under Shoppers) now, or null. */
  problem(own: OwnLog | null): string | null {
    const raceProblem = this.race ? this.race.problem() : 'there is no race here to judge';
    return opeSettingsProblem($state.snapshot(this.settings), own, this.policyFile, raceProblem);
  }

  /** Judges the picked policies; the race's agents, when picked, are measured first. */
  async run(own: OwnLog | null): Promise<void> {
    const settings = $state.snapshot(this.settings);
    let race: RacePolicies | null = null;
    if (settings.race && settings.source === 'simulated' && this.race && !this.problem(own)) {
      const ask = ++this.asks;
      this.measuring = true;
      this.error = null;
      try {
        race = await this.race.policies();
      } catch (e) {
        if (ask === this.asks)
          this.error = `The race’s agents could not be asked: ${e instanceof Error ? e.message : String(e)}.`;
        return;
      } finally {
        if (ask === this.asks) this.measuring = false;
      }
      if (ask !== this.asks) return; // cancelled while the race's worker answered
    }
    const request = opeSettingsRequest(settings, own, this.policyFile, race);
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
    this.asks++;
    this.measuring = false;
    this.task.cancel();
  }
}
