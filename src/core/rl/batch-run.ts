/**
 * The fast experiment path: one agent serves a batch of shoppers at a time
 * on the batched simulator (sim/batched-env.ts), deciding for every shopper
 * of the batch before it learns from any of them, as a recommender serving
 * many users between two updates does. The expected reward and regret of
 * each decision are exact, from the oracle's item values.
 *
 * Decisions count in slot order, batch after batch, so a batch of one is
 * the single environment's loop (experiment.ts's runOnShop) step for step:
 * the same shoppers, draws, decisions and metrics for the same seeds. Agents
 * need nothing new: those whose picks are costly cache them between two
 * lessons (agents/argmax-plan.ts), so a batch's decisions share the work.
 */
import type { Agent, Observation } from './contract';
import { ShopCounter, type RunOutcome } from './metrics';
import type { StepEvents } from './sim/events';
import type { BatchedShopEnv } from './sim/batched-env';
import { emptyEvents } from './sim/shoppers';

/** Most shoppers one batch serves. */
export const MAX_BATCH = 4096;

/**
 * Observations of every slot, over one buffer of contexts: made once, then
 * refilled each step (an object and a context per decision would be most of
 * a fast step's garbage). Agents copy what they keep of a context (LinUCB,
 * DQN's replay), as the contract asks.
 */
class Observations {
  readonly all: Observation[];
  private readonly contexts: Float64Array;
  constructor(
    private readonly env: BatchedShopEnv,
    count: number,
  ) {
    const size = env.contextSize;
    this.contexts = new Float64Array(count * size);
    this.all = Array.from({ length: count }, (_, i) => ({
      state: 0,
      context: size > 0 ? this.contexts.subarray(i * size, (i + 1) * size) : null,
      segment: 0,
    }));
  }
  /** What each slot's shopper shows now. */
  read(): this {
    const { env } = this;
    this.contexts.set(env.contexts);
    for (const [i, o] of this.all.entries()) {
      o.state = env.states[i]!;
      o.segment = env.pool.segment[i]!;
    }
    return this;
  }
}

/**
 * `agent` on `env` (built with the oracle) for `steps` decisions, `env.count`
 * at a time: the counts overall and per segment and the cumulative reward
 * and regret at `curveSteps`, as runOnShop gives them. Awaits the agent's
 * sync and calls `report` before the batch that crosses each `chunk`.
 */
export async function runBatched(
  env: BatchedShopEnv,
  agent: Agent,
  steps: number,
  curveSteps: number[],
  chunk: number,
  report: (step: number) => void,
): Promise<RunOutcome> {
  const B = env.count;
  const K = env.slateSize;
  if (K > 1 && !agent.rank)
    throw new Error(`${agent.name} picks one item; it cannot fill a slate of ${K}`);
  // Two sets, swapped each step: what the agent acted on, and what came next.
  let seen = new Observations(env, B).read();
  let next = new Observations(env, B);
  const segments = env.config.shoppers.segments.map(() => new ShopCounter());
  const total = new ShopCounter();
  const reward: number[] = [];
  const regret: number[] = [];
  const slates = new Int32Array(B * K);
  const length = new Int32Array(B);
  const converted = new Uint8Array(B);
  const events: StepEvents = emptyEvents();
  let point = 0;
  let nextSync = 0;
  let done = 0;
  const t0 = performance.now();
  while (done < steps) {
    if (done >= nextSync) {
      await agent.sync?.();
      report(done);
      nextSync = (Math.floor(done / chunk) + 1) * chunk;
    }
    const n = Math.min(B, steps - done);
    for (let i = 0; i < B; i++) {
      const o = seen.all[i]!;
      if (K === 1) slates[i] = agent.act(o);
      else slates.set(agent.rank!(o, K), i * K);
    }
    env.step(slates);
    next.read();
    for (let i = 0; i < n; i++) {
      events.clicked = env.clicked[i]!;
      events.position = env.positions[i]!;
      events.carted = env.carted[i] === 1;
      events.purchased = env.purchased[i] === 1;
      events.revenue = env.revenue[i]!;
      const r = env.rewards[i]!;
      const g = env.regrets[i]!;
      const segment = env.segments[i]!;
      total.add(events, r, g);
      segments[segment]!.add(events, r, g);
      length[i]!++;
      if (events.purchased) converted[i] = 1;
      if (env.dones[i] === 1) {
        total.endSession(length[i]!, converted[i] === 1);
        segments[segment]!.endSession(length[i]!, converted[i] === 1);
        length[i] = 0;
        converted[i] = 0;
      }
      while (point < curveSteps.length && curveSteps[point] === done + i + 1) {
        reward.push(total.reward);
        regret.push(total.regret);
        point++;
      }
    }
    for (let i = 0; i < n; i++) {
      // A finished session's slot already holds the next shopper, whom `done` tells the agent not to bootstrap on.
      const after = next.all[i]!;
      const finished = env.dones[i] === 1;
      const observation = seen.all[i]!;
      if (K === 1) {
        const r = env.rewards[i]!;
        agent.learn({ observation, action: slates[i]!, reward: r, next: after, done: finished });
        continue;
      }
      // Semi-bandit credit, as ShopEnv gives it: the clicked position earns the reward, or with no click every position.
      const clickedAt = env.positions[i]!;
      for (let s = 0; s < K; s++) {
        const r = clickedAt < 0 || clickedAt === s ? env.rewards[i]! : 0;
        agent.learn({
          observation,
          action: slates[i * K + s]!,
          reward: r,
          next: after,
          done: finished,
        });
      }
    }
    done += n;
    [seen, next] = [next, seen];
  }
  return { total, segments, reward, regret, milliseconds: performance.now() - t0 };
}
