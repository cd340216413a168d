/**
 * What "Evaluate on a log" is asked and answers, and the checks of a
 * request: everything the page needs without the agents' code (DQN's
 * tfjs), which only the worker and the command line load (evaluate.ts).
 */
import type { InteractionLog } from '../../data/interaction-log';
import { STANDALONE_AGENTS, type AgentName } from '../agents/names';
import type { AgentSettings } from '../agents/settings';
import type { RacePolicies } from '../lab/race-policies';
import type { OpeShop } from './simulated';
import { ESTIMATORS, type Estimate, type EstimatorName } from './estimators';
import { SLATE_ESTIMATORS, type SlateEstimatorName } from './slates';

/** The agents a log can judge: those built from their settings alone, less DQN (a network to train in the worker's tfjs, not wired here yet). */
export const OPE_AGENTS: readonly AgentName[] = STANDALONE_AGENTS.filter((n) => n !== 'dqn');

export type OpeLogChoice =
  | { source: 'simulated'; shop: OpeShop; rows: number; seed: number }
  | { source: 'own'; name: string; log: InteractionLog; reward: 'click' | 'purchase' };

export type OpePolicyChoice =
  /** One of the lab's agents, with its default settings or `settings` (a sweep's), named `label` then. */
  | { kind: 'agent'; agent: AgentName; settings?: AgentSettings; label?: string }
  | { kind: 'file'; name: string; text: string }
  /** Per segment, the item with the best lower 95% bound on the first part (policies.ts). */
  | { kind: 'pessimistic' }
  /** The simulator's example of a team's policy (its logging ranking, sharper), as a file would give it. */
  | { kind: 'example' }
  /** One of a race's agents, as the race's worker measured it (lab/race-policies.ts). */
  | {
      kind: 'race';
      label: string;
      /** Decisions it had made in the race. */
      decisions: number;
      segments: string[];
      probabilities: number[][];
      /** The race's reward expression and slate size. */
      reward: string;
      slateSize: number;
    };

export interface OpeRequest {
  log: OpeLogChoice;
  policies: OpePolicyChoice[];
  /** The share of the log's shoppers (the first, in time order) the agents learn from. */
  trainShare: number;
  seed: number;
  /** Bootstrap resamples per estimate. Default 500. */
  resamples?: number;
}

/** An estimate of either kind of log: for slates `rows` counts slates and `unseen` is a file's. */
export type OpeEstimate = Omit<Estimate, 'estimator'> & {
  estimator: EstimatorName | SlateEstimatorName;
};

/** Every estimator's name, single-item and slate. */
export const ESTIMATOR_LABELS: Record<OpeEstimate['estimator'], string> = {
  ...ESTIMATORS,
  ...SLATE_ESTIMATORS,
};

export interface OpePolicyResult {
  name: string;
  /** Every estimator's estimate (the report's `estimators`); empty when the policy could not be judged. */
  estimates: OpeEstimate[];
  /** Why it could not be judged (no overlap, a bad file), else null. */
  error: string | null;
  /** What it would earn per decision on the judged shoppers; known for the simulator's logs only. */
  truth: number | null;
  warnings: string[];
}

export interface OpeReport {
  /** The log, in words. */
  log: string;
  rows: number;
  trainRows: number;
  /** Decisions judged (and, before them, taught): slates, when `slots` is above 1. */
  judgedRows: number;
  /** Items each judged decision shows: 1, or a slate's K. */
  slots: number;
  /** The estimators the report gives, in order. */
  estimators: OpeEstimate['estimator'][];
  segments: string[];
  items: number;
  /** The logging policy's value on the judged rows: the naive average; with its truth for the simulator's. */
  logging: { value: number; low: number; high: number; truth: number | null };
  /** Rows whose propensity the log records, rows estimated, and what the estimate rests on. */
  propensities: { recorded: number; estimated: number; thinShare: number };
  /** How far estimated propensities can be trusted, in words; null when the log records them all. */
  trust: string | null;
  policies: OpePolicyResult[];
  /** The example policy's file, when it was judged: the format to copy. */
  exampleCsv: string | null;
  /** When a race's agents were judged: when they were measured, in words. */
  race: string | null;
}

/** What the evaluation worker answers. */
export type OpeReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: OpeReport }
  | { type: 'failed'; message: string };

/** Every estimator, in the table's order. */
export const OPE_ESTIMATORS = Object.keys(ESTIMATORS) as EstimatorName[];

/** Below this ESS per judged row, an estimate rests on too few rows to lean on. */
export const POOR_OVERLAP = 0.1;

/** Rows a simulated log may have in the app (the bench goes to 100,000 in node). */
export const OPE_ROW_LIMITS = { min: 200, max: 100_000 } as const;

/** Checks a request's settings; the problem in words, or null. */
export function opeRequestProblem(
  r: Pick<OpeRequest, 'log' | 'policies' | 'trainShare'>,
): string | null {
  if (r.policies.length === 0) return 'pick at least one policy to judge';
  if (!(r.trainShare >= 0 && r.trainShare <= 0.9))
    return 'the part the agents learn from must be 0% to 90% of the log';
  if (r.log.source === 'simulated') {
    const n = r.log.rows;
    if (!(Number.isInteger(n) && n >= OPE_ROW_LIMITS.min && n <= OPE_ROW_LIMITS.max))
      return `the simulator's log has ${OPE_ROW_LIMITS.min.toLocaleString('en')} to ${OPE_ROW_LIMITS.max.toLocaleString('en')} decisions`;
  }
  return null;
}

/** The form's settings, as the page, a lesson step and the command line give them. */
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
  /** Judge the simulator's example of a team's policy (its log only). */
  example: boolean;
  /** Judge the race's agents (the simulator then writes its log in the race's shop). */
  race: boolean;
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
  race: false,
  seed: 1,
};

/** The shop the simulator's log is of when no race is judged. */
export const OPE_SHOP: OpeShop = 'fashion';

/**
 * The request the settings make, on `own` (a log read under Shoppers), with
 * a team's policy `file` and the race's agents as `race` measured them; or
 * the problem with them, in words. Judging a race's agents, the simulator
 * writes its log in the race's shop, so that their items are the log's.
 */
export function opeSettingsRequest(
  s: OpeSettings,
  own: { name: string; log: InteractionLog } | null,
  file: { name: string; text: string } | null,
  race: RacePolicies | null = null,
): OpeRequest | string {
  if (s.source === 'own' && !own) return 'read a log under Shoppers first';
  if (s.race && s.source === 'own')
    return 'a race’s agents are judged on a log the simulator writes in the race’s shop, not on your log, whose items are not the race’s';
  if (s.race && !race) return 'start a race first: its agents are judged as they are';
  const policies: OpePolicyChoice[] = s.agents.map((agent) => ({ kind: 'agent', agent }));
  if (s.race && race)
    for (const a of race.agents)
      policies.push({
        kind: 'race',
        label: a.label,
        decisions: race.decisions,
        segments: race.segments,
        probabilities: a.probabilities,
        reward: race.reward,
        slateSize: race.slateSize,
      });
  if (s.pessimistic) policies.push({ kind: 'pessimistic' });
  if (s.example && s.source === 'simulated') policies.push({ kind: 'example' });
  if (file) policies.push({ kind: 'file', ...file });
  const shop = s.race && race ? race.shop : OPE_SHOP;
  const request: OpeRequest = {
    log:
      s.source === 'own' && own
        ? { source: 'own', name: own.name, log: own.log, reward: s.reward }
        : { source: 'simulated', shop, rows: s.rows, seed: s.seed },
    policies,
    trainShare: s.trainPercent / 100,
    seed: s.seed,
  };
  return opeRequestProblem(request) ?? request;
}

/**
 * What stops these settings before anything runs, or null: `raceProblem`
 * says why the race's agents cannot be asked now (lab/race-policies.ts),
 * since they are measured only once the evaluation starts.
 */
export function opeSettingsProblem(
  s: OpeSettings,
  own: { name: string; log: InteractionLog } | null,
  file: { name: string; text: string } | null,
  raceProblem: string | null,
): string | null {
  if (s.race && s.source === 'simulated' && raceProblem) return raceProblem;
  // Stands for the agents the race will have measured: one, whatever they are.
  const pending: RacePolicies = {
    decisions: 0,
    segments: [],
    shop: { shop: 'fashion', items: 1, catalogSeed: 1 },
    reward: '',
    slateSize: 1,
    agents: [{ label: '', probabilities: [] }],
  };
  const r = opeSettingsRequest(s, own, file, pending);
  return typeof r === 'string' ? r : null;
}
