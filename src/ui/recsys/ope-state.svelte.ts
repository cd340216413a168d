/**
 * Reactive state of "Evaluate on a log": the log and policies picked, the
 * worker judging them, and its report. The report belongs to the settings
 * it was made with, which it keeps beside it.
 */
import type { AgentName } from '../../core/rl/agents/names';
import {
  opeRequestProblem,
  type OpePolicyChoice,
  type OpeReply,
  type OpeReport,
  type OpeRequest,
} from '../../core/rl/ope/request';
import type { OwnLog } from '../../core/rl/models/log-source';
import { createOpeWorker } from '../urls';

export interface OpeSettings {
  source: 'simulated' | 'own';
  /** Decisions the simulator logs. */
  rows: number;
  reward: 'click' | 'purchase';
  /** Percent of the log's shoppers (the first) the agents learn from. */
  trainPercent: number;
  agents: AgentName[];
  /** Judge the policy the log's first part teaches with pessimism. */
  pessimistic: boolean;
  /** Judge the simulator's example of a team's policy too. */
  example: boolean;
  seed: number;
}

export const OPE_DEFAULTS: OpeSettings = {
  source: 'simulated',
  rows: 10_000,
  reward: 'click',
  trainPercent: 50,
  agents: ['egreedy-segment', 'ucb', 'ts-beta'],
  pessimistic: true,
  example: true,
  seed: 1,
};

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
    const s = this.settings;
    const policies: OpePolicyChoice[] = s.agents.map((agent) => ({ kind: 'agent', agent }));
    if (s.pessimistic) policies.push({ kind: 'pessimistic' });
    if (s.example && s.source === 'simulated') policies.push({ kind: 'example' });
    if (this.policyFile) policies.push({ kind: 'file', ...this.policyFile });
    if (s.source === 'own' && !own) return 'read a log under Shoppers first';
    const request: OpeRequest = {
      log:
        s.source === 'own' && own
          ? { source: 'own', name: own.name, log: own.log, reward: s.reward }
          : { source: 'simulated', shop: 'fashion', rows: s.rows, seed: s.seed },
      policies,
      trainShare: s.trainPercent / 100,
      seed: s.seed,
    };
    return opeRequestProblem(request) ?? request;
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
