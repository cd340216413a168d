/**
 * Builds the agents that train no network from their settings: every kind
 * but DQN and the two-headed network, whose tfjs a caller such as the
 * evaluation worker need not load. build.ts adds those two and is the
 * factory the race and the command line use.
 */
import type { Exploration } from './adaptive';
import {
  EpsilonGreedyAgent,
  PopularityAgent,
  RandomAgent,
  ThompsonBetaAgent,
  ThompsonGaussianAgent,
  Ucb1Agent,
} from './bandits';
import { CF_AGENT_DEFAULTS, CfAgent } from './cf-agent';
import type { LogPrior } from './log-prior';
import { needsLog } from './needs-log';
import { LinUcbAgent } from './linucb';
import { QLearningAgent, SarsaAgent } from './tabular';
import type { Agent, ProblemShape } from '../contract';
import type { AgentSettings } from './settings';

/** The exploration an agent's ε settings describe. */
export function exploration(a: AgentSettings): Exploration {
  const base = {
    kind: 'linear',
    start: a.epsilonStart,
    end: a.epsilonEnd,
    steps: a.epsilonSteps,
  } as const;
  return a.adaptive ? { kind: 'adaptive', base } : { kind: 'schedule', schedule: base };
}

/** The agent kinds built without tfjs. */
export type PlainAgentSettings = AgentSettings & {
  kind: Exclude<AgentSettings['kind'], 'dqn' | 'two-headed'>;
};

export function isPlainAgent(a: AgentSettings): a is PlainAgentSettings {
  return a.kind !== 'dqn' && a.kind !== 'two-headed';
}

/**
 * Builds an agent that trains no network from its settings; `prior`, what
 * the race learned from a log, starts CF (which needs it) and popularity's
 * bestseller list.
 */
export function buildPlainAgent(
  a: PlainAgentSettings,
  shape: ProblemShape,
  seed: number,
  prior: LogPrior | null = null,
): Agent {
  const schedule = {
    kind: 'linear',
    start: a.epsilonStart,
    end: a.epsilonEnd,
    steps: a.epsilonSteps,
  } as const;
  const tabular = {
    gamma: a.gamma,
    learningRate:
      a.learningRate > 0
        ? ({ kind: 'constant', alpha: a.learningRate } as const)
        : ({ kind: 'visits', power: 0.8 } as const),
    exploration: exploration(a),
  };
  switch (a.kind) {
    case 'random':
      return new RandomAgent(shape, seed);
    case 'popularity':
      return new PopularityAgent(shape, seed, prior?.purchases);
    case 'cf':
      if (!prior?.cf) throw new Error(needsLog('cf'));
      return new CfAgent(shape, seed, prior.cf, {
        learningRate: a.learningRate,
        l2: CF_AGENT_DEFAULTS.l2,
        exploration: schedule,
      });
    case 'egreedy':
    case 'egreedy-decay':
      return new EpsilonGreedyAgent(shape, schedule, seed);
    case 'egreedy-segment':
      return new EpsilonGreedyAgent(shape, schedule, seed, { bySegment: true });
    case 'ucb':
      return new Ucb1Agent(shape, seed, a.ucbC);
    case 'ts-beta':
      return new ThompsonBetaAgent(shape, seed);
    case 'ts-gauss':
      return new ThompsonGaussianAgent(shape, seed, a.ucbC);
    case 'linucb':
      return new LinUcbAgent(shape, seed, { alpha: a.ucbC });
    case 'qlearning':
      return new QLearningAgent(shape, tabular, seed);
    case 'sarsa':
      return new SarsaAgent(shape, tabular, seed);
  }
}
