/**
 * One agent factory: the command line's registry and the lab's race build
 * the same agent from the same settings, decision for decision.
 */
import { describe, expect, it } from 'vitest';
import { buildAgent } from '../../../src/core/rl/agents/build';
import { STANDALONE_AGENTS } from '../../../src/core/rl/agents/names';
import { agentEntry } from '../../../src/core/rl/agents/registry';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import type { Agent } from '../../../src/core/rl/contract';
import { interact } from '../../../src/core/rl/interact';
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import { LinearBandit } from '../helpers/linear-bandit';
import { useCpu } from '../helpers/setup-tf';

const SHAPE = { numActions: 5, numStates: 1, contextSize: 4 };

/** Rewards and regret of `agent` over `steps` decisions on a seeded bandit. */
async function run(agent: Agent, steps: number) {
  await agent.sync?.();
  const curves = interact(new LinearBandit(3), agent, steps);
  agent.dispose?.();
  return curves;
}

describe('the agent factory', () => {
  it('builds every agent the command line names exactly as the lab builds it', async () => {
    await useCpu();
    for (const name of STANDALONE_AGENTS) {
      const steps = name === 'dqn' ? 60 : 400;
      const cli = await run(agentEntry(name).make(SHAPE, 11), steps);
      const lab = await run(buildAgent(agentSettings(name), SHAPE, 11), steps);
      expect(lab, name).toEqual(cli);
    }
  });

  it('races the default agents with the settings the command line uses', () => {
    for (const a of defaultRecsysConfig().agents) expect(a).toEqual(agentSettings(a.kind));
  });

  it('builds different agents from different settings', async () => {
    await useCpu();
    const base = agentSettings('egreedy');
    const a = await run(buildAgent(base, SHAPE, 11), 400);
    const b = await run(
      buildAgent({ ...base, epsilonStart: 0.9, epsilonEnd: 0.9 }, SHAPE, 11),
      400,
    );
    expect(b.reward).not.toEqual(a.reward);
  });
});
