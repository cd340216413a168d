/**
 * Every agent by a short name, built with the settings the experiments and
 * the lab use by default. Each works on any problem that meets the contract;
 * Thompson (Beta) needs rewards in [0, 1].
 */
import type { Agent, ProblemShape } from '../contract';
import type { Exploration } from './adaptive';
import {
  EpsilonGreedyAgent,
  PopularityAgent,
  RandomAgent,
  ThompsonBetaAgent,
  ThompsonGaussianAgent,
  Ucb1Agent,
} from './bandits';
import { DqnAgent } from './dqn';
import { LinUcbAgent } from './linucb';
import { AGENT_LABELS, isAgentName, type AgentName } from './names';
import { QLearningAgent, SarsaAgent, type TabularOptions } from './tabular';

/**
 * Exploration of the TD agents: ε decays linearly from 0.3 to 0.02 over the
 * first 10,000 decisions, and the adaptive rule raises it when the shoppers'
 * behaviour drifts away from what the agent learned.
 */
export const DEFAULT_EXPLORATION: Exploration = {
  kind: 'adaptive',
  base: { kind: 'linear', start: 0.3, end: 0.02, steps: 10_000 },
};

const TABULAR: TabularOptions = {
  // Sessions last a handful of steps; 0.5 values the next step at half this one.
  gamma: 0.5,
  learningRate: { kind: 'visits', power: 0.8 },
  exploration: DEFAULT_EXPLORATION,
};

const ENTRIES = {
  random: {
    label: AGENT_LABELS['random'],
    make: (s: ProblemShape, seed: number) => new RandomAgent(s, seed),
  },
  popularity: {
    label: AGENT_LABELS['popularity'],
    make: (s: ProblemShape, seed: number) => new PopularityAgent(s, seed),
  },
  egreedy: {
    label: AGENT_LABELS['egreedy'],
    make: (s: ProblemShape, seed: number) =>
      new EpsilonGreedyAgent(s, { kind: 'constant', epsilon: 0.1 }, seed),
  },
  'egreedy-decay': {
    label: AGENT_LABELS['egreedy-decay'],
    make: (s: ProblemShape, seed: number) =>
      new EpsilonGreedyAgent(s, { kind: 'exponential', start: 1, end: 0.01, decay: 0.999 }, seed),
  },
  ucb: {
    label: AGENT_LABELS['ucb'],
    make: (s: ProblemShape, seed: number) => new Ucb1Agent(s, seed, 0.5),
  },
  'ts-beta': {
    label: AGENT_LABELS['ts-beta'],
    make: (s: ProblemShape, seed: number) => new ThompsonBetaAgent(s, seed),
  },
  'ts-gauss': {
    label: AGENT_LABELS['ts-gauss'],
    make: (s: ProblemShape, seed: number) => new ThompsonGaussianAgent(s, seed, 0.5),
  },
  linucb: {
    label: AGENT_LABELS['linucb'],
    make: (s: ProblemShape, seed: number) => new LinUcbAgent(s, seed, { alpha: 0.5 }),
  },
  qlearning: {
    label: AGENT_LABELS['qlearning'],
    make: (s: ProblemShape, seed: number) => new QLearningAgent(s, TABULAR, seed),
  },
  sarsa: {
    label: AGENT_LABELS['sarsa'],
    make: (s: ProblemShape, seed: number) => new SarsaAgent(s, TABULAR, seed),
  },
  dqn: {
    label: AGENT_LABELS['dqn'],
    make: (s: ProblemShape, seed: number) =>
      new DqnAgent(s, { gamma: 0.5, exploration: DEFAULT_EXPLORATION }, seed),
  },
} satisfies Record<AgentName, AgentEntry>;

export interface AgentEntry {
  label: string;
  make: (shape: ProblemShape, seed: number) => Agent;
}
export const AGENTS: Record<AgentName, AgentEntry> = ENTRIES;
export { isAgentName, type AgentName };

/** Parses "ucb,linucb,dqn"; throws naming an unknown agent and listing the known ones. */
export function parseAgentList(list: string): AgentName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new RangeError('name at least one agent');
  for (const n of names)
    if (!isAgentName(n))
      throw new RangeError(`unknown agent "${n}"; choose from ${Object.keys(AGENTS).join(', ')}`);
  return names as AgentName[];
}
