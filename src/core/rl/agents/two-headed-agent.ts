/**
 * The source's two-headed network as a racing agent: trained on a log
 * (models/two-headed.ts), carried in as a prior (log-prior.ts), then
 * recommending to the race's new shoppers and going on learning the way the
 * article's "adjusted dynamically" means: a REINFORCE step on its softmax
 * head from what its own recommendations earned.
 *
 * - Input: the log's shopper columns (view-examples.ts), read from what the
 *   race's observation tells of the session (observe.ts's `sessionFacts`).
 * - Acting: an item drawn from π(·|s), the softmax head; a slate of k
 *   draws without replacement. Drawing, not taking the best, is what makes
 *   the policy-gradient estimate unbiased, and it is the agent's exploration.
 * - Learning: every `batch` outcomes, one Adam step on
 *   −mean (r − b) log π(a|s) over them (TwoHeadedNet.reinforce), b a running
 *   mean of rewards. For a slate each shown item counts as its own draw,
 *   with the reward credited to its position: exact for one item a slate.
 * - Like DQN, it acts from a plain-JS copy of the softmax tower that `sync`
 *   refreshes between chunks of steps.
 */
import type { NamedTensor } from '../../store/checkpoint';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
} from '../../store/tf-state';
import { createRandom, type Random } from '../../random';
import { checkShape, type Agent, type Observation, type ProblemShape } from '../contract';
import type { Transition } from '../contract';
import { TWO_HEADED_DEFAULTS, TwoHeadedNet } from '../models/two-headed';
import { shopperFeature } from '../models/view-examples';
import { sessionFacts } from '../sim/observe';
import { denseForward, readDenseLayers, type DenseLayer } from './dense-mirror';
import type { TwoHeadedPrior } from './log-prior';
import type { TensorState } from './tensor-state';

export interface TwoHeadedAgentSettings {
  /** Adam's step size for the policy-gradient updates. */
  learningRate: number;
  /** Outcomes per update. */
  batch: number;
}

export const TWO_HEADED_AGENT_DEFAULTS: TwoHeadedAgentSettings = { learningRate: 1e-3, batch: 32 };

export class TwoHeadedAgent implements Agent, TensorState {
  readonly name = 'two-headed';
  readonly net: TwoHeadedNet;
  private readonly rng: Random;
  private readonly F: number;
  /** The network's inputs by name, and what reads the race's context back (kept, not the prior). */
  private readonly features: string[];
  private readonly maxSessionLength: number;
  /** Per softmax output its action, and per action its output. */
  private readonly actions: Int32Array;
  private readonly outputOf: Int32Array;
  /** Per race segment, the log's segment name its one-hot column stands for (null: none). */
  private readonly segmentName: (string | null)[];
  private mirror: DenseLayer[] = [];
  private mirrorSteps = -1;
  private readonly x: Float32Array;
  private readonly logits: Float64Array;
  private readonly weights: Float64Array;
  /** Outcomes waiting for the next update. */
  private readonly states: Float32Array;
  private readonly chosen: Int32Array;
  private readonly rewards: Float32Array;
  private pending = 0;
  /** Items a slate showed last (rank's k), for the views a learned observation had seen. */
  private k = 1;
  private disposed = false;

  constructor(
    shape: ProblemShape,
    seed: number,
    prior: TwoHeadedPrior,
    private readonly settings: TwoHeadedAgentSettings = TWO_HEADED_AGENT_DEFAULTS,
  ) {
    checkShape(shape);
    if (!(Number.isInteger(settings.batch) && settings.batch >= 1))
      throw new RangeError(`the batch must be a whole number ≥ 1, got ${settings.batch}`);
    const O = prior.actions.length;
    if (prior.actions.some((a) => !(Number.isInteger(a) && a >= 0 && a < shape.numActions)))
      throw new RangeError('the network scores items this problem does not have');
    this.rng = createRandom(seed);
    this.F = prior.features.length;
    this.features = [...prior.features];
    this.maxSessionLength = prior.maxSessionLength;
    this.actions = Int32Array.from(prior.actions);
    this.outputOf = new Int32Array(shape.numActions).fill(-1);
    this.actions.forEach((a, o) => (this.outputOf[a] = o));
    const segments = Math.max(1, shape.numSegments ?? 1);
    this.segmentName = Array.from({ length: segments }, () => null);
    // The race's segments in its order are the log's names; a log without them leaves all null.
    const named = prior.features.filter((f) => f.startsWith('segment: ')).map((f) => f.slice(9));
    prior.segments.forEach((name, s) => {
      if (s < segments && named.includes(name)) this.segmentName[s] = name;
    });
    this.net = new TwoHeadedNet(
      {
        inputs: this.F,
        items: O,
        hidden: prior.hidden,
        learningRate: TWO_HEADED_DEFAULTS.learningRate,
        batchSize: settings.batch,
        policyLearningRate: settings.learningRate,
        baselineRate: TWO_HEADED_DEFAULTS.baselineRate,
      },
      this.rng,
    );
    this.net.setWeights(prior.weights);
    this.x = new Float32Array(this.F);
    this.logits = new Float64Array(O);
    this.weights = new Float64Array(O);
    this.states = new Float32Array(settings.batch * this.F);
    this.chosen = new Int32Array(settings.batch);
    this.rewards = new Float32Array(settings.batch);
  }

  /** The log's shopper columns for observation `o`, after slates of `k` items. */
  private encode(o: Observation, k: number, out: Float32Array): Float32Array {
    if (!o.context) throw new Error('the two-headed network needs the shop’s context vector');
    const segments = this.segmentName.length;
    const f = sessionFacts(o.context, segments, this.maxSessionLength);
    const facts = {
      segment: this.segmentName[o.segment ?? 0] ?? null,
      views: f.step * k,
      clicked: f.clickedBefore,
      carted: f.cartedBefore,
      bought: f.boughtBefore,
    };
    for (let i = 0; i < this.F; i++) out[i] = shopperFeature(this.features[i]!, facts);
    return out;
  }

  /** π(·|s) from the JS copy of the softmax tower, into this.weights. */
  private policy(o: Observation, k: number): Float64Array {
    if (this.mirror.length === 0)
      throw new Error('await sync() once before the two-headed network acts, to read its weights');
    denseForward(this.mirror, this.encode(o, k, this.x), this.logits);
    const max = this.logits.reduce((m, v) => Math.max(m, v), -Infinity);
    for (let i = 0; i < this.logits.length; i++) this.weights[i] = Math.exp(this.logits[i]! - max);
    return this.weights;
  }

  act(o: Observation): number {
    return this.rank(o, 1)[0]!;
  }

  rank(o: Observation, k: number): Int32Array {
    this.k = k;
    const w = this.policy(o, k);
    const slate = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      let total = 0;
      for (let i = 0; i < w.length; i++) total += w[i]!;
      let u = this.rng.next() * total;
      let pick = w.length - 1;
      for (let i = 0; i < w.length; i++) {
        u -= w[i]!;
        if (u < 0 && w[i]! > 0) {
          pick = i;
          break;
        }
      }
      slate[j] = this.actions[pick]!;
      w[pick] = 0; // without replacement
    }
    return slate;
  }

  learn(t: Transition): void {
    if (!Number.isFinite(t.reward)) throw new RangeError(`reward must be finite, got ${t.reward}`);
    const out = this.outputOf[t.action]!;
    if (out < 0) return; // not an item it can show: nothing of its policy to credit
    const n = this.pending++;
    this.encode(t.observation, this.k, this.states.subarray(n * this.F, (n + 1) * this.F));
    this.chosen[n] = out;
    this.rewards[n] = t.reward;
    if (this.pending < this.settings.batch) return;
    this.pending = 0;
    this.net.reinforce(this.states, this.chosen, this.rewards);
  }

  /** Reads the softmax tower back into the JS copy when updates have moved it. */
  async sync(): Promise<void> {
    if (this.disposed || this.mirrorSteps === this.net.policySteps) return;
    const steps = this.net.policySteps;
    this.mirror = await readDenseLayers(this.net.policyLayers());
    this.mirrorSteps = steps;
  }

  async tensors(prefix: string): Promise<{ weights: NamedTensor[]; optimizer: NamedTensor[] }> {
    const [weights, optimizer] = await Promise.all([
      modelTensors(this.net.model, `${prefix}/net`),
      optimizerTensors(this.net.policyOptimizer, `${prefix}/adam`),
    ]);
    return { weights, optimizer };
  }

  async setTensors(
    prefix: string,
    weights: NamedTensor[],
    optimizer: NamedTensor[],
  ): Promise<void> {
    setModelTensors(this.net.model, `${prefix}/net`, weights);
    await setOptimizerTensors(this.net.policyOptimizer, `${prefix}/adam`, optimizer);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
  }
}
