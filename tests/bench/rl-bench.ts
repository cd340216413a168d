/**
 * Recommender benchmarks, shared by node (rl-node.ts) and the browser worker
 * (rl.worker.ts) so both measure exactly the same loops. Each returns a rate
 * over a wall-clock window; nothing here asserts on time.
 */
import { createRandom } from '../../src/core/random';
import { agentEntry, type AgentName } from '../../src/core/rl/agents/registry';
import { DqnAgent } from '../../src/core/rl/agents/dqn';
import { runExperiment } from '../../src/core/rl/experiment';
import type { Transition } from '../../src/core/rl/contract';
import { BatchedShopEnv } from '../../src/core/rl/sim/batched-env';
import { shopPreset, type ShopName } from '../../src/core/rl/sim/presets';
import { ShopEnv } from '../../src/core/rl/sim/shop-env';

/** The agents whose decision rate is measured (DQN has its own figure per backend). */
export const TIMED_AGENTS: AgentName[] = [
  'random',
  'popularity',
  'egreedy',
  'ucb',
  'ts-beta',
  'ts-gauss',
  'linucb',
  'qlearning',
  'sarsa',
];

export interface Rate {
  name: string;
  perSecond: number;
  count: number;
}

function timed(name: string, ms: number, run: () => number): Rate {
  let count = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms || count === 0) count += run();
  return { name, perSecond: Math.round((count * 1000) / (performance.now() - t0)), count };
}

/**
 * Untimed steps before each batched figure, so it is the optimised code's:
 * with one step of warm-up the first preset measured (fashion) also paid,
 * inside its window, for V8 compiling the step.
 */
const WARM_MS = 500;

/** Shopper-steps per second of the batched simulator (random slates, drawn ahead). */
export function simulatorRates(shop: ShopName, ms: number): Rate[] {
  const out: Rate[] = [];
  for (const [count, contexts] of [
    [10_000, false],
    [10_000, true],
  ] as const) {
    const env = new BatchedShopEnv(shopPreset(shop), {
      count,
      seed: 1,
      contexts,
      checkSlates: false,
    });
    const rng = createRandom(2);
    const slates = Array.from({ length: 8 }, () =>
      Int32Array.from({ length: count }, () => rng.int(env.numActions)),
    );
    let k = 0;
    for (const t0 = performance.now(); performance.now() - t0 < WARM_MS;)
      env.step(slates[k++ % slates.length]!);
    out.push(
      timed(
        `${shop}: batched, ${count.toLocaleString('en')} shoppers${contexts ? ', with contexts' : ''}`,
        ms,
        () => {
          env.step(slates[k++ % slates.length]!);
          return count;
        },
      ),
    );
  }
  // What the fast experiment path steps: a few shoppers, each step's regret exact.
  const exact = new BatchedShopEnv(shopPreset(shop), { count: 64, seed: 1, oracle: true });
  const rng = createRandom(3);
  const picks = Array.from({ length: 8 }, () =>
    Int32Array.from({ length: 64 }, () => rng.int(exact.numActions)),
  );
  let p = 0;
  for (const t0 = performance.now(); performance.now() - t0 < WARM_MS;)
    exact.step(picks[p++ % picks.length]!);
  out.push(
    timed(`${shop}: batched, 64 shoppers, with contexts, oracle and regret`, ms, () => {
      exact.step(picks[p++ % picks.length]!);
      return 64;
    }),
  );
  const single = new ShopEnv(shopPreset(shop), { seed: 1 });
  single.reset();
  out.push(
    timed(`${shop}: single env (Gym-like, with oracle and regret)`, ms, () => {
      if (single.step(rng.int(single.numActions)).done) single.reset();
      return 1;
    }),
  );
  return out;
}

/** Recorded transitions of a shop, so agents are timed without the simulator. */
function recordTransitions(shop: ShopName, n: number): Transition[] {
  const env = new ShopEnv(shopPreset(shop), { seed: 4 });
  const rng = createRandom(5);
  const out: Transition[] = [];
  let o = env.reset();
  for (let i = 0; i < n; i++) {
    const action = rng.int(env.numActions);
    const r = env.step(action);
    out.push({ observation: o, action, reward: r.reward, next: r.observation, done: r.done });
    o = r.done ? env.reset() : r.observation;
  }
  return out;
}

/** Decisions (act + learn) per second of each agent on a shop's recorded stream; DQN trains as it would. */
export async function decisionRates(
  shop: ShopName,
  agents: AgentName[],
  ms: number,
): Promise<Rate[]> {
  const stream = recordTransitions(shop, 4000);
  const env = new ShopEnv(shopPreset(shop), { seed: 1 });
  const out: Rate[] = [];
  for (const name of agents) {
    const agent = agentEntry(name).make(env, 1);
    await agent.sync?.();
    let i = 0;
    let count = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms || count === 0) {
      for (let k = 0; k < 100; k++) {
        const t = stream[i++ % stream.length]!;
        agent.act(t.observation);
        agent.learn(t);
      }
      count += 100;
      await agent.sync?.();
    }
    out.push({
      name: `${agentEntry(name).label} (${shop}, ${env.numActions} items)`,
      perSecond: Math.round((count * 1000) / (performance.now() - t0)),
      count,
    });
    agent.dispose?.();
  }
  return out;
}

/**
 * Decisions per second when an agent serves `batch` shoppers before it
 * learns from them (act for the batch, then learn from it), as the fast
 * path runs it: what a batch shares (UCB1's scores, the greedy picks) is
 * worked out once per batch.
 */
export async function batchedDecisionRates(
  shop: ShopName,
  agents: AgentName[],
  ms: number,
  batch: number,
): Promise<Rate[]> {
  const stream = recordTransitions(shop, 4096);
  const env = new ShopEnv(shopPreset(shop), { seed: 1 });
  const out: Rate[] = [];
  for (const name of agents) {
    const agent = agentEntry(name).make(env, 1);
    let i = 0;
    let count = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms || count === 0) {
      for (let b = 0; b < 100; b++) {
        const from = i;
        for (let j = 0; j < batch; j++) agent.act(stream[i++ % stream.length]!.observation);
        for (let j = 0; j < batch; j++) agent.learn(stream[(from + j) % stream.length]!);
      }
      count += 100 * batch;
      await agent.sync?.();
    }
    out.push({
      name: `${agentEntry(name).label} (${shop}, ${env.numActions} items, batches of ${batch})`,
      perSecond: Math.round((count * 1000) / (performance.now() - t0)),
      count,
    });
    agent.dispose?.();
  }
  return out;
}

/**
 * Whole experiments' decisions per second (simulator, exact regret, agent,
 * metrics): the reference single-environment loop and the fast path at
 * batches of 1 (the same numbers) and 16.
 */
export async function experimentRates(
  shop: ShopName,
  agents: AgentName[],
  steps: number,
): Promise<{ agent: string; reference: number; batch1: number; batch16: number }[]> {
  const rate = async (batch?: number) => {
    const r = await runExperiment({ shop, agents, steps, seeds: [1], batch });
    return r.agents.map((a) => Math.round((steps * 1000) / a.milliseconds[0]!));
  };
  const [reference, batch1, batch16] = [await rate(), await rate(1), await rate(16)];
  return agents.map((a, i) => ({
    agent: `${agentEntry(a).label} (${shop}, ${steps.toLocaleString('en')} decisions)`,
    reference: reference[i]!,
    batch1: batch1[i]!,
    batch16: batch16[i]!,
  }));
}

/** DQN minibatch updates per second on the active tfjs backend (batch 32, shop-sized network). */
export async function dqnUpdateRate(shop: ShopName, ms: number): Promise<Rate> {
  const stream = recordTransitions(shop, 2000);
  const env = new ShopEnv(shopPreset(shop), { seed: 1 });
  const exploration = { kind: 'schedule', schedule: { kind: 'constant', epsilon: 0.1 } } as const;
  const agent = new DqnAgent(env, { gamma: 0.5, exploration, warmup: 32, trainEvery: 1 }, 1);
  await agent.sync();
  let i = 0;
  const feed = (n: number): void => {
    for (let k = 0; k < n; k++) {
      const t = stream[i++ % stream.length]!;
      agent.act(t.observation);
      agent.learn(t);
    }
  };
  feed(64); // warm-up: compiles the backend's kernels
  await agent.sync();
  const u0 = agent.updates;
  const t0 = performance.now();
  while (performance.now() - t0 < ms || agent.updates === u0) {
    feed(50);
    // Waits for the queued GPU work, so the rate counts finished updates.
    await agent.sync();
  }
  const count = agent.updates - u0;
  agent.dispose();
  return {
    name: `DQN updates (${shop}: ${env.contextSize} inputs, 64-64 hidden, ${env.numActions} outputs, batch 32)`,
    perSecond: Math.round((count * 1000) / (performance.now() - t0)),
    count,
  };
}
