/**
 * Builds an agent from its settings (settings.ts): the one factory the lab's
 * race and the command line's experiments share. Worker or node side: DQN
 * brings tfjs.
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
import { DqnAgent } from './dqn';
import type { LogPrior } from './log-prior';
import { needsLog } from './needs-log';
import { TWO_HEADED_AGENT_DEFAULTS, TwoHeadedAgent } from './two-headed-agent';
import { LinUcbAgent } from './linucb';
import { QLearningAgent, SarsaAgent } from './tabular';
import type { Agent, ProblemShape } from '../contract';
import type { AgentSettings } from './settings';

function exploration(a: AgentSettings): Exploration {
  const base = {
    kind: 'linear',
    start: a.epsilonStart,
    end: a.epsilonEnd,
    steps: a.epsilonSteps,
  } as const;
  return a.adaptive ? { kind: 'adaptive', base } : { kind: 'schedule', schedule: base };
}

/**
 * Builds a racing agent from its settings; `prior`, what the race learned
 * from a log, starts CF and the two-headed network (which need it) and
 * popularity's bestseller list.
 */
export function buildAgent(
  a: AgentSettings,
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
    case 'two-headed':
      if (!prior?.twoHeaded) throw new Error(needsLog('two-headed'));
      return new TwoHeadedAgent(shape, seed, prior.twoHeaded, {
        ...TWO_HEADED_AGENT_DEFAULTS,
        learningRate: a.learningRate,
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
    case 'dqn':
      return new DqnAgent(
        shape,
        {
          gamma: a.gamma,
          exploration: exploration(a),
          hidden: [a.hidden, a.hidden],
          learningRate: a.learningRate,
          replayCapacity: a.replay,
          targetEvery: a.targetEvery,
        },
        seed,
      );
  }
}
