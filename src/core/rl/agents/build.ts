/**
 * Builds an agent from its settings (settings.ts): the one factory the lab's
 * race and the command line's experiments share. Worker or node side: DQN
 * and the two-headed network bring tfjs; the rest are build-plain.ts's.
 */
import { buildPlainAgent, exploration, isPlainAgent } from './build-plain';
import { DqnAgent } from './dqn';
import type { LogPrior } from './log-prior';
import { needsLog } from './needs-log';
import { TWO_HEADED_AGENT_DEFAULTS, TwoHeadedAgent } from './two-headed-agent';
import type { Agent, ProblemShape } from '../contract';
import type { AgentSettings } from './settings';

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
  if (isPlainAgent(a)) return buildPlainAgent(a, shape, seed, prior);
  if (a.kind === 'two-headed') {
    if (!prior?.twoHeaded) throw new Error(needsLog('two-headed'));
    return new TwoHeadedAgent(shape, seed, prior.twoHeaded, {
      ...TWO_HEADED_AGENT_DEFAULTS,
      learningRate: a.learningRate,
    });
  }
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
