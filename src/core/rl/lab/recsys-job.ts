/**
 * The recommender lab's training job: agents race on the same shoppers. Each
 * agent runs its own copy of the shop (same catalog, same seeds), so every
 * agent meets the same shoppers arriving in the same order, and only its own
 * slates change what happens next. One job step is one round: every shopper
 * in the shop (the population) sees one slate from every agent.
 *
 * Snapshots carry only what is new since the last one (curve points, flow
 * counts) plus small views of the agents' insides (arm estimates, Q-table,
 * DQN loss and replay fill) and a few sampled shoppers' sessions.
 */
import * as tf from '@tensorflow/tfjs';
import { JobPausedError, type JobCheckpoint, type TrainingJob } from '../../jobs/job';
import { captureObjectState, restoreObjectState, type Skip } from '../../jobs/object-state';
import type { Json } from '../../store/schema';
import { showsArms, type ShowsArms } from '../agents/bandits';
import { DqnAgent } from '../agents/dqn';
import { holdsTensors } from '../agents/tensor-state';
import { QLearningAgent, SarsaAgent } from '../agents/tabular';
import type { Agent, Observation } from '../contract';
import { decide } from '../interact';
import { ExpressionReward, NonFiniteRewardError } from '../reward/shop-reward';
import type { Catalog } from '../sim/catalog';
import type { ShopConfig } from '../sim/presets';
import { topK } from '../sim/oracle';
import { ShopEnv } from '../sim/shop-env';
import { buildAgent } from '../agents/build';
import { labShop, racerLabels, recsysConfigError, type RecsysConfig } from './config';
import {
  measureFirstSlot,
  racePolicyProblem,
  raceShop,
  RACE_POLICY_SAMPLES,
  type RacePolicies,
} from './race-policies';
import {
  FUNNEL,
  SAMPLED_SHOPPERS,
  type AgentSnapshot,
  type ArmView,
  type QView,
  type RecsysSnapshot,
  type StepRecord,
} from './snapshot';

export * from './snapshot';

const ARMS_SHOWN = 20;
const Q_COLUMNS = 24;
/** Decisions the CTR's moving average spans, and sessions the conversion's does. */
const CTR_SPAN = 500;
const CONVERSION_SPAN = 100;

class Racer {
  readonly envs: ShopEnv[];
  readonly observations: Observation[];
  readonly label: string;
  readonly funnel = new Array<number>(FUNNEL.length).fill(0);
  reward = 0;
  regret = 0;
  private ctr = 0;
  private ctrWeight = 0;
  private conversion = 0;
  private conversionWeight = 0;
  private converted: boolean[];
  private points: number[] = [];
  readonly truth: Float64Array;
  /** Only agents with arm estimates need the truth summed, a catalog's worth of adds per decision. */
  private readonly tracksTruth: boolean;
  readonly visitors: number[];
  readonly sessions: StepRecord[][];
  readonly ended: boolean[];
  private readonly segments: number[];
  private lastLoss = -1;
  private losses: [number, number][] = [];
  /** The reward expression every shop of this agent scores with. */
  private readonly rule: ExpressionReward;

  constructor(
    readonly agent: Agent,
    label: string,
    config: RecsysConfig,
    shop: ShopConfig,
    catalog: Catalog,
  ) {
    const reward = new ExpressionReward(config.reward);
    this.rule = reward;
    this.label = label;
    this.envs = Array.from(
      { length: config.population },
      (_, j) => new ShopEnv(shop, { seed: config.seed * 1000 + j, catalog, reward }),
    );
    this.observations = this.envs.map((e) => e.reset());
    this.converted = this.envs.map(() => false);
    this.truth = new Float64Array(catalog.size);
    this.tracksTruth = showsArms(agent);
    const sampled = Math.min(SAMPLED_SHOPPERS, config.population);
    this.visitors = new Array<number>(sampled).fill(1);
    this.sessions = Array.from({ length: sampled }, () => []);
    this.ended = new Array<boolean>(sampled).fill(false);
    this.segments = this.envs.slice(0, sampled).map((e) => e.shoppers.segment[0]!);
  }

  /** Throws NonFiniteRewardError when some shopper's next step could score a non-finite reward. */
  checkRewards(): void {
    for (const env of this.envs) this.rule.checkOutcomes(env.shoppers, 0, env.slateSize);
  }

  /** Every shopper in this agent's shop sees one slate. */
  round(): void {
    for (let j = 0; j < this.envs.length; j++) {
      const env = this.envs[j]!;
      const out = decide(env, this.agent, this.observations[j]!);
      const { events, regret } = out.info;
      this.reward += out.reward;
      this.regret += regret;
      const f = this.funnel;
      f[0]!++;
      const clicked = events.clicked >= 0;
      if (clicked) f[1]!++;
      if (events.carted) f[2]!++;
      if (events.purchased) f[3]!++;
      if (events.left) f[4]!++;
      // Bias-corrected moving averages, so the first points are not dragged to 0.
      this.ctr += (+clicked - this.ctr) / CTR_SPAN;
      this.ctrWeight += (1 - this.ctrWeight) / CTR_SPAN;
      this.converted[j] ||= events.purchased;
      if (this.tracksTruth) {
        const values = env.itemValues;
        for (let a = 0; a < values.length; a++) this.truth[a]! += values[a]!;
      }
      if (j < this.sessions.length) this.record(j, out.info, out.reward, out.done);
      if (out.done) {
        f[5]!++;
        this.conversion += (+this.converted[j]! - this.conversion) / CONVERSION_SPAN;
        this.conversionWeight += (1 - this.conversionWeight) / CONVERSION_SPAN;
        this.converted[j] = false;
        this.observations[j] = env.reset();
      } else this.observations[j] = out.observation;
    }
  }

  private record(
    j: number,
    info: ReturnType<ShopEnv['step']>['info'],
    reward: number,
    done: boolean,
  ): void {
    if (this.ended[j]) {
      this.sessions[j] = [];
      this.ended[j] = false;
      this.visitors[j]!++;
    }
    const e = info.events;
    this.segments[j] = info.segment;
    this.sessions[j]!.push({
      slate: Array.from(this.envs[j]!.lastSlate),
      position: e.position,
      carted: e.carted,
      purchased: e.purchased,
      left: e.left,
      reward,
      regret: info.regret,
    });
    this.ended[j] = done;
  }

  /** Adds a curve point at `decisions`. */
  mark(decisions: number): void {
    this.points.push(
      decisions,
      this.reward,
      this.regret,
      this.ctrWeight > 0 ? this.ctr / this.ctrWeight : 0,
      this.conversionWeight > 0 ? this.conversion / this.conversionWeight : NaN,
    );
  }

  /** Reads back what the agent queued on the backend (DQN's weights and loss). */
  async sync(): Promise<void> {
    await this.agent.sync?.();
    if (this.agent instanceof DqnAgent) {
      const l = this.agent.lastLoss;
      if (l && l.update !== this.lastLoss) {
        this.lastLoss = l.update;
        if (!Number.isFinite(l.loss))
          throw new Error(
            `${this.label}'s loss became ${l.loss} at update ${l.update}: lower its learning rate, or scale the reward down`,
          );
        this.losses.push([l.update, l.loss]);
      }
    }
  }

  snapshot(): AgentSnapshot {
    const points = Float64Array.from(this.points);
    this.points = [];
    const dqn =
      this.agent instanceof DqnAgent
        ? {
            loss: this.losses.splice(0),
            replay: this.agent.replayFill.size,
            capacity: this.agent.replayFill.capacity,
            updates: this.agent.updates,
            epsilon: this.agent.epsilon,
          }
        : null;
    return {
      label: this.label,
      points,
      funnel: [...this.funnel],
      reward: this.reward,
      regret: this.regret,
      shoppers: this.sessions.map((steps, j) => ({
        slot: j,
        visitor: this.visitors[j]!,
        segment: this.segments[j]!,
        steps: steps.slice(),
        ended: this.ended[j]!,
      })),
      arms: showsArms(this.agent) ? this.arms(this.agent) : null,
      q:
        this.agent instanceof QLearningAgent || this.agent instanceof SarsaAgent
          ? this.q(this.agent)
          : null,
      dqn,
    };
  }

  private arms(agent: ShowsArms): ArmView {
    const est = agent.arms();
    const n = this.truth.length;
    const decisions = Math.max(1, this.funnel[0]!);
    const truth = Float64Array.from(this.truth, (v) => v / decisions);
    const chosen = new Set(topK(truth, new Int32Array(Math.min(n, 12))));
    for (const a of topK(est.pulls, new Int32Array(Math.min(n, ARMS_SHOWN)))) {
      if (chosen.size >= Math.min(n, ARMS_SHOWN)) break;
      chosen.add(a);
    }
    const items = [...chosen].sort((a, b) => truth[b]! - truth[a]!);
    const pick = (xs: Float64Array) => items.map((a) => xs[a]!);
    return {
      items,
      truth: pick(truth),
      mean: pick(est.mean),
      low: pick(est.low),
      high: pick(est.high),
      pulls: pick(est.pulls),
    };
  }

  private q(agent: QLearningAgent | SarsaAgent): QView {
    const A = this.truth.length;
    const states = agent.q.length / A;
    const best = new Float64Array(A).fill(-Infinity);
    for (let s = 0; s < states; s++)
      for (let a = 0; a < A; a++) best[a] = Math.max(best[a]!, agent.q[s * A + a]!);
    const items = Array.from(topK(best, new Int32Array(Math.min(A, Q_COLUMNS)))).sort(
      (a, b) => a - b,
    );
    const values = new Float32Array(states * items.length);
    for (let s = 0; s < states; s++)
      items.forEach((a, c) => (values[s * items.length + c] = agent.q[s * A + a]!));
    return { items, values, states };
  }
}

export class RecsysJob implements TrainingJob<RecsysSnapshot> {
  readonly kind = 'recsys';
  step = 0;
  private readonly racers: Racer[];
  private readonly catalog: Catalog;
  private catalogSent = false;
  private readonly segmentNames: string[];

  private constructor(
    readonly config: RecsysConfig,
    private readonly backend: string,
  ) {
    const problem = recsysConfigError(config);
    if (problem) throw new RangeError(`${problem.field}: ${problem.message}`);
    const { shop, catalog } = labShop(config);
    this.catalog = catalog;
    this.segmentNames = shop.shoppers.segments.map((s) => s.name);
    // One environment gives the problem's shape every agent is built for.
    const shape = new ShopEnv(shop, { seed: 0, catalog: this.catalog });
    const labels = racerLabels(config);
    this.racers = config.agents.map((a, i) => {
      const seed = config.seed * 7919 + 104_729 * (i + 1);
      const agent = buildAgent(a, shape, seed, config.fromLog ?? null);
      return new Racer(agent, labels[i]!, config, shop, this.catalog);
    });
  }

  /** Builds the race; async because DQN reads its first weights back before it acts. */
  static async create(config: RecsysConfig, backend: string): Promise<RecsysJob> {
    const job = new RecsysJob(config, backend);
    try {
      await Promise.all(job.racers.map((r) => r.sync()));
      for (const r of job.racers) r.mark(0);
    } catch (e) {
      job.dispose();
      throw e;
    }
    return job;
  }

  trainStep(): void {
    try {
      // All checked before any agent moves, so a bad reward stops the race between two rounds.
      for (const r of this.racers) r.checkRewards();
    } catch (e) {
      if (!(e instanceof NonFiniteRewardError)) throw e;
      throw new JobPausedError(
        `Paused after round ${this.step.toLocaleString('en')}: ${e.message}. Fix the reward and press Reset to race again; the race so far is kept.`,
      );
    }
    for (const r of this.racers) r.round();
    this.step++;
    // Every round is a point early on; later every 2nd, 4th, … so a long run stays light.
    const stride = 2 ** Math.max(0, Math.floor(Math.log2(this.step / 1000)));
    if (this.step % stride === 0) {
      const decisions = this.step * this.config.population;
      for (const r of this.racers) r.mark(decisions);
    }
  }

  async flush(): Promise<void> {
    await Promise.all(this.racers.map((r) => r.sync()));
  }

  async snapshot(): Promise<{ snapshot: RecsysSnapshot; transfer: Transferable[] }> {
    const agents = this.racers.map((r) => r.snapshot());
    const catalog = this.catalogSent
      ? null
      : {
          price: Array.from(this.catalog.price, (p) => p / this.catalog.config.priceMedian),
          category: Array.from(this.catalog.category),
        };
    this.catalogSent = true;
    return {
      snapshot: {
        kind: 'recsys',
        step: this.step,
        decisions: this.step * this.config.population,
        backend: this.backend,
        agents,
        segmentNames: this.segmentNames,
        catalog,
      },
      transfer: agents.flatMap((a) => [a.points.buffer, ...(a.q ? [a.q.values.buffer] : [])]),
    };
  }

  /**
   * The whole race: every shop's shoppers and random streams, every agent's
   * estimates, tables, replay and networks, the counters and curves' state.
   */
  async saveState(): Promise<JobCheckpoint> {
    await this.flush();
    const { tree, arrays } = captureObjectState({ racers: this.racers }, skipInState);
    const weights = [...arrays];
    const optimizer = [];
    for (const [i, r] of this.racers.entries()) {
      if (!holdsTensors(r.agent)) continue;
      const t = await r.agent.tensors(`agent${i}`);
      weights.push(...t.weights);
      optimizer.push(...t.optimizer);
    }
    return { step: this.step, weights, optimizer, rng: [], extra: { race: tree } };
  }

  /** Continues a saved race; the job must be fresh and built from the same settings. */
  async loadState(state: JobCheckpoint): Promise<void> {
    if (this.step !== 0) throw new Error('only a fresh race can take a saved state');
    const extra = state.extra as { race?: unknown } | null;
    if (!extra || typeof extra.race !== 'object' || extra.race === null)
      throw new Error('the checkpoint holds no race state');
    for (const [i, r] of this.racers.entries())
      if (holdsTensors(r.agent))
        await r.agent.setTensors(`agent${i}`, state.weights, state.optimizer);
    const arrays = state.weights.filter((t) => t.name.startsWith('state/'));
    restoreObjectState({ racers: this.racers }, { tree: extra.race as Json, arrays }, skipInState);
    this.step = state.step;
    this.catalogSent = false;
  }

  /**
   * Each agent as a policy per segment (race-policies.ts), measured on a
   * copy of the race built from its saved state, so asking moves nothing
   * here: the race goes on as if it had not been asked.
   */
  async policies(samples = RACE_POLICY_SAMPLES): Promise<RacePolicies> {
    const problem = racePolicyProblem(this.config);
    if (problem) throw new Error(`A log cannot judge this race: ${problem}.`);
    const state = await this.saveState();
    const copy = await RecsysJob.create(this.config, this.backend);
    try {
      await copy.loadState(state); // copies into the copy's own arrays
      const { shop } = labShop(this.config);
      // Shoppers the race has not met: a seed of their own.
      const seed = this.config.seed * 1000 + 999_983;
      return {
        decisions: this.step * this.config.population,
        segments: this.segmentNames,
        shop: raceShop(this.config),
        reward: this.config.reward,
        slateSize: this.config.slateSize,
        agents: copy.racers.map((r) => ({
          label: r.label,
          probabilities: measureFirstSlot(r.agent, shop, this.catalog, seed, samples),
        })),
      };
    } finally {
      copy.dispose();
    }
  }

  dispose(): void {
    for (const r of this.racers) r.agent.dispose?.();
  }
}

/**
 * Left out of a race's saved state: tfjs objects (saved as tensors), and what
 * the settings rebuild identically: the catalog, the reward (its caches
 * are a function of the catalog) and the agents' caches.
 */
const skipInState: Skip = (value, key) =>
  key === 'catalog' ||
  key === 'reward' ||
  // Agents' caches of picks (argmax-plan.ts), rebuilt from the values they were made of.
  key === 'cache' ||
  value instanceof ExpressionReward ||
  value instanceof tf.Tensor ||
  value instanceof tf.LayersModel ||
  value instanceof tf.Optimizer;
