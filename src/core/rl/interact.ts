/** The agent-environment loop, with the curves the experiment runner and tests read. */
import type { Agent, Environment } from './contract';

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

/** Runs `steps` decisions of `agent` on `env`, resetting whenever an episode ends. */
export function interact(env: Environment, agent: Agent, steps: number): RunCurves {
  const reward = new Float64Array(steps);
  const regret = new Float64Array(steps);
  let observation = env.reset();
  let sumReward = 0;
  let sumRegret = 0;
  for (let i = 0; i < steps; i++) {
    const action = agent.act(observation);
    const out = env.step(action);
    agent.learn({ observation, action, reward: out.reward, next: out.observation, done: out.done });
    sumReward += out.reward;
    sumRegret += regretOf(out.info);
    reward[i] = sumReward;
    regret[i] = sumRegret;
    observation = out.done ? env.reset() : out.observation;
  }
  return { reward, regret };
}
