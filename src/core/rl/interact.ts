/** The agent-environment loop, with the curves the experiment runner and tests read. */
import type { Agent, Environment, Observation, StepResult } from './contract';

export interface RunCurves {
  /** Cumulative reward after each step. */
  reward: Float64Array;
  /** Cumulative expected regret after each step, when the problem reports it (`info.regret`); else NaN. */
  regret: Float64Array;
}

function regretOf(info: unknown): number {
  const r = (info as { regret?: unknown } | null)?.regret;
  return typeof r === 'number' ? r : NaN;
}

/**
 * One decision: the agent acts (or ranks a slate when the problem shows K > 1
 * items), the problem answers, the agent learns. With a slate the agent
 * learns once per shown item, from the reward the problem credits to that
 * position (semi-bandit feedback).
 */
export function decide<Info>(
  env: Environment<Info>,
  agent: Agent,
  observation: Observation,
): StepResult<Info> {
  const k = env.slateSize ?? 1;
  if (k === 1) {
    const action = agent.act(observation);
    const out = env.step(action);
    agent.learn({ observation, action, reward: out.reward, next: out.observation, done: out.done });
    return out;
  }
  if (!agent.rank) throw new Error(`${agent.name} picks one item; it cannot fill a slate of ${k}`);
  const slate = agent.rank(observation, k);
  const out = env.step(slate);
  const credit = out.slateRewards;
  for (let s = 0; s < k; s++) {
    const reward = credit ? credit[s]! : out.reward;
    agent.learn({ observation, action: slate[s]!, reward, next: out.observation, done: out.done });
  }
  return out;
}

/** Runs `steps` decisions of `agent` on `env`, resetting whenever an episode ends. */
export function interact(env: Environment, agent: Agent, steps: number): RunCurves {
  const reward = new Float64Array(steps);
  const regret = new Float64Array(steps);
  let observation = env.reset();
  let sumReward = 0;
  let sumRegret = 0;
  for (let i = 0; i < steps; i++) {
    const out = decide(env, agent, observation);
    sumReward += out.reward;
    sumRegret += regretOf(out.info);
    reward[i] = sumReward;
    regret[i] = sumRegret;
    observation = out.done ? env.reset() : out.observation;
  }
  return { reward, regret };
}
