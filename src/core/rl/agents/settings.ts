/**
 * The settings an agent is built from: its kind and hyperparameters, the
 * defaults each kind starts from, and the check of their ranges. The lab's
 * setup panel and the command line share them (build.ts makes the agents),
 * so `npm run experiment` races the same agents the lab does.
 */
import { isAgentName, type AgentName } from './names';

/** One racing agent and its hyperparameters; each kind reads the ones `AGENT_PARAMS` lists. */
export interface AgentSettings {
  kind: AgentName;
  /** Tabular step size α in (0, 1] (0 = 1/visits^0.8); DQN's Adam learning rate. */
  learningRate: number;
  /** Discount γ in [0, 1] (Q-learning, SARSA, DQN). */
  gamma: number;
  /** ε falls linearly from `epsilonStart` to `epsilonEnd` over `epsilonSteps` decisions. */
  epsilonStart: number;
  epsilonEnd: number;
  epsilonSteps: number;
  /** Raise ε when the shoppers' behaviour drifts from what was learned (TD agents). */
  adaptive: boolean;
  /** Exploration bonus: UCB1's c, LinUCB's α, Thompson (Gaussian)'s reward noise σ; > 0. */
  ucbC: number;
  /** DQN: units in each of its two hidden layers, 4 to 256. */
  hidden: number;
  /** DQN: replay capacity in transitions, 100 to 100,000. */
  replay: number;
  /** DQN: updates between target-network copies, 1 to 10,000. */
  targetEvery: number;
}

export type AgentParam = Exclude<keyof AgentSettings, 'kind'>;

/** Which hyperparameters each agent reads (the setup panel shows only these). */
export const AGENT_PARAMS: Record<AgentName, AgentParam[]> = {
  random: [],
  popularity: [],
  egreedy: ['epsilonStart', 'epsilonEnd', 'epsilonSteps'],
  'egreedy-decay': ['epsilonStart', 'epsilonEnd', 'epsilonSteps'],
  'egreedy-segment': ['epsilonStart', 'epsilonEnd', 'epsilonSteps'],
  ucb: ['ucbC'],
  'ts-beta': [],
  'ts-gauss': ['ucbC'],
  linucb: ['ucbC'],
  qlearning: ['learningRate', 'gamma', 'epsilonStart', 'epsilonEnd', 'epsilonSteps', 'adaptive'],
  sarsa: ['learningRate', 'gamma', 'epsilonStart', 'epsilonEnd', 'epsilonSteps', 'adaptive'],
  dqn: [
    'learningRate',
    'gamma',
    'epsilonStart',
    'epsilonEnd',
    'epsilonSteps',
    'adaptive',
    'hidden',
    'replay',
    'targetEvery',
  ],
  cf: ['learningRate', 'epsilonStart', 'epsilonEnd', 'epsilonSteps'],
  'two-headed': ['learningRate'],
};

/** The hyperparameters each agent starts from (the experiments' defaults). */
export function agentSettings(kind: AgentName): AgentSettings {
  // ε-greedy per segment explores at random, then exploits what each segment clicked: over
  // 4,000 decisions, 40% of the lab's 30-s demo race (tests/unit/rl/race-story.test.ts).
  const segment = kind === 'egreedy-segment';
  // CF starts from a model trained on a log: it knows what sells and explores little.
  const cf = kind === 'cf';
  return {
    kind,
    learningRate: kind === 'dqn' || kind === 'two-headed' ? 0.001 : cf ? 0.05 : 0,
    gamma: 0.5,
    epsilonStart: kind === 'egreedy' ? 0.1 : segment ? 1 : cf ? 0.05 : 0.3,
    epsilonEnd: kind === 'egreedy' ? 0.1 : segment ? 0.01 : cf ? 0.05 : 0.02,
    epsilonSteps: segment ? 4000 : 10_000,
    adaptive: true,
    ucbC: 0.5,
    hidden: 64,
    replay: 10_000,
    targetEvery: 200,
  };
}

/** True when `v` is finite, within [lo, hi] and, with `whole`, an integer. */
export function inRange(v: number, lo: number, hi: number, whole = false): boolean {
  return Number.isFinite(v) && v >= lo && v <= hi && (!whole || Number.isInteger(v));
}

/** The first setting of an agent that is out of range, with the problem in words; null when none is. */
export function agentSettingsIssue(
  a: AgentSettings,
): { param: AgentParam | 'kind'; message: string } | null {
  if (!isAgentName(a.kind)) return { param: 'kind', message: `unknown agent "${String(a.kind)}"` };
  const uses = new Set(AGENT_PARAMS[a.kind]);
  // Adam's step size for the networks; α for the tables.
  const dqn = a.kind === 'dqn' || a.kind === 'two-headed';
  // Settings the agent does not read ride along (switching agents keeps them): they must still
  // be values the controls allow. Where a config enters (settings/lab-configs.ts), ones that
  // are not are dropped with a note, so only the page's own leftovers get this far.
  const checks: [AgentParam, boolean, string][] = [
    [
      'learningRate',
      dqn ? inRange(a.learningRate, 1e-6, 0.1) : inRange(a.learningRate, 0, 1),
      dqn ? 'the learning rate must be 0.000001 to 0.1' : 'α must be 0 (1/visits) to 1',
    ],
    ['gamma', inRange(a.gamma, 0, 1), 'γ must be 0 to 1'],
    ['epsilonStart', inRange(a.epsilonStart, 0, 1), 'ε start must be 0 to 1'],
    ['epsilonEnd', inRange(a.epsilonEnd, 0, 1), 'ε end must be 0 to 1'],
    [
      'epsilonSteps',
      inRange(a.epsilonSteps, 1, 10_000_000, true),
      'ε steps must be a whole number from 1',
    ],
    ['adaptive', typeof a.adaptive === 'boolean', 'adaptive must be on or off'],
    ['ucbC', inRange(a.ucbC, 1e-6, 100), 'the exploration bonus must be above 0 (up to 100)'],
    ['hidden', inRange(a.hidden, 4, 256, true), 'hidden units must be 4 to 256'],
    ['replay', inRange(a.replay, 100, 100_000, true), 'the replay size must be 100 to 100,000'],
    [
      'targetEvery',
      inRange(a.targetEvery, 1, 10_000, true),
      'target updates must be every 1 to 10,000 steps',
    ],
  ];
  for (const [param, ok, text] of checks)
    if (!ok)
      return {
        param,
        message: uses.has(param) ? text : `${text} (kept, though this agent does not use it)`,
      };
  return null;
}

/** What is wrong with an agent's settings, in words; null when nothing is. */
export function agentSettingsProblem(a: AgentSettings): string | null {
  return agentSettingsIssue(a)?.message ?? null;
}
