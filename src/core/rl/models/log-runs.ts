/**
 * Each of the source's three models trained on a log, a minibatch at a
 * time, with held-out metrics whenever asked: what the lab's job steps and
 * shows, and what the bench times. The held-out split (of shoppers, or of
 * pairs for collaborative filtering) is drawn from the run's seed; where the
 * log came from the simulator, its truth adds the checks only a simulator
 * allows.
 */
import type * as tf from '@tensorflow/tfjs';
import { holdoutSplit } from '../../data/holdout';
import type { InteractionLog } from '../../data/interaction-log';
import { auc, calibration, logLoss, rankAmong, spearman, topK } from '../../data/model-metrics';
import { createRandom, type Random } from '../../random';
import { CheckpointError, type NamedTensor } from '../../store/checkpoint';
import {
  modelTensors,
  optimizerTensors,
  setModelTensors,
  setOptimizerTensors,
} from '../../store/tf-state';
import { simulatedItemAction, type SimulatedLogTruth } from '../sim/simulated-log';
import { BatchStream, type BatchStreamState } from './batches';
import { CF_DEFAULTS, CfModel, cfItemMeans, cfProbability } from './cf-model';
import { DemandPredictor, PREDICTOR_DEFAULTS } from './demand-predictor';
import { labelledPairs, rankingCandidates, splitPairs } from './log-pairs';
import { TWO_HEADED_DEFAULTS, TwoHeadedNet } from './two-headed';
import { logSizeProblem, type EpochReport, type LogModelName } from './log-model-config';
import type { LearnedModel } from '../agents/log-prior';
import { examplesOf, selectColumns, viewExamples } from './view-examples';

export type { EpochReport, LogModelName };

export const RANK_CUTOFF = 10;
/** Candidates a held-out positive is ranked against (He et al. 2017's 99). */
const CANDIDATES = 99;

export interface LogTrainer {
  readonly model: LogModelName;
  /** Minibatches in one pass over the training rows. */
  readonly batchesPerEpoch: number;
  /** Rows trained on and held out. */
  readonly trainRows: number;
  readonly testRows: number;
  /** One Adam step on the next minibatch of the epoch under way; the loss, not read back. */
  step(): tf.Scalar;
  /** Held-out metrics by name. */
  evaluate(): Promise<Record<string, number>>;
  /** What a race's agent starts from (collaborative filtering and the two-headed network). */
  learned?(): Promise<LearnedModel>;
  /** Everything training goes on from (read after the pending steps are done). */
  saveState(): Promise<TrainerState>;
  /** Puts back what `saveState` gave into a trainer built from the same log and seed. */
  loadState(s: TrainerState): Promise<void>;
  dispose(): void;
}

/** A trainer's state: its network and Adam's moments, and where its batches stand. */
export interface TrainerState {
  weights: NamedTensor[];
  optimizer: NamedTensor[];
  stream: BatchStreamState;
  /** The network's own count of batches trained. */
  modelSteps: number;
}

interface TrainerOptions {
  seed: number;
  /** The simulator's truth, when the log is a simulated one. */
  truth?: SimulatedLogTruth;
}

/** A network as the trainers hold it: its layers, its Adam and its step count. */
interface TrainedNet {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  steps: number;
}

/**
 * The trainer's stepping half: minibatches of `rows` through `train`, a
 * fresh shuffle every epoch; and its saved state, `net`'s tensors with the
 * batch stream's place.
 */
function batched(
  model: LogModelName,
  rows: ArrayLike<number>,
  testRows: number,
  batchSize: number,
  rng: Random,
  net: TrainedNet,
  train: (batch: Int32Array) => tf.Scalar,
): Pick<
  LogTrainer,
  'model' | 'batchesPerEpoch' | 'trainRows' | 'testRows' | 'step' | 'saveState' | 'loadState'
> {
  const stream = new BatchStream(rows.length, batchSize, rng);
  return {
    model,
    batchesPerEpoch: Math.ceil(rows.length / batchSize),
    trainRows: rows.length,
    testRows,
    step: () => train(stream.next().map((j) => rows[j]!)),
    async saveState() {
      const [weights, optimizer] = await Promise.all([
        modelTensors(net.model, 'model'),
        optimizerTensors(net.optimizer, 'adam'),
      ]);
      return { weights, optimizer, stream: stream.state(), modelSteps: net.steps };
    },
    async loadState(s) {
      if (!(Number.isSafeInteger(s.modelSteps) && s.modelSteps >= 0))
        throw new CheckpointError('the model’s step count is not a whole number');
      stream.restore(s.stream);
      setModelTensors(net.model, 'model', s.weights);
      await setOptimizerTensors(net.optimizer, 'adam', s.optimizer);
      net.steps = s.modelSteps;
    },
  };
}

/** The log's views and the held-out split of shoppers both view-based models use. */
function viewSplit(log: InteractionLog, rng: Random) {
  const x = viewExamples(log);
  const split = holdoutSplit(log.userIds.length, rng);
  return { x, train: examplesOf(x, split.train), test: examplesOf(x, split.holdout) };
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/**
 * Collaborative filtering on clicks. Metrics: held-out AUC, hit rate and
 * NDCG at 10 among 99 candidates; with the truth, Spearman's ρ between the
 * learned and the true item click probabilities (item ids `sku-N` are the
 * simulator's item N − 1).
 */
function cfTrainer(log: InteractionLog, o: TrainerOptions): LogTrainer {
  const rng = createRandom(o.seed);
  const split = splitPairs(labelledPairs(log, { positive: 'click' }, rng), rng);
  const items = log.itemIds.length;
  const model = new CfModel(
    { users: log.userIds.length, items, ...CF_DEFAULTS, baseRate: mean(split.train.label) },
    rng,
  );
  const candidates = rankingCandidates(split, items, CANDIDATES, rng);
  const truth =
    o.truth && log.itemIds.map((id) => o.truth!.itemClick[simulatedItemAction(id) ?? -1] ?? NaN);
  return {
    ...batched(
      'cf',
      all(split.train.size),
      split.test.size,
      CF_DEFAULTS.batchSize,
      rng,
      model,
      (b) => model.trainBatch(split.train, b),
    ),
    async evaluate() {
      // Scored from the tables in plain JavaScript: one readback instead of a product per pair.
      const t = await model.tables();
      const score = (u: Int32Array, i: Int32Array) =>
        Float64Array.from(u, (user, j) => cfProbability(t, user, i[j]!));
      const s = score(candidates.user, candidates.item);
      const per = CANDIDATES + 1;
      const ranks = Array.from({ length: candidates.judged }, (_, j) =>
        rankAmong(s[j * per]!, s.subarray(j * per + 1, (j + 1) * per)),
      );
      const top = topK(ranks, RANK_CUTOFF);
      return {
        auc: auc(score(split.test.user, split.test.item), split.test.label),
        hitRate: top.hitRate,
        ndcg: top.ndcg,
        ...(truth && { spearman: spearman(cfItemMeans(t), truth) }),
      };
    },
    learned: async () => ({ cf: await model.tables() }),
    dispose: () => model.dispose(),
  };
}

/**
 * The demand predictor on the log's views. Metrics: held-out log-loss (and
 * the base rate's), AUC and calibration against outcomes; with the truth,
 * calibration against the funnel's own purchase probabilities.
 */
function predictorTrainer(log: InteractionLog, o: TrainerOptions): LogTrainer {
  const rng = createRandom(o.seed);
  const { x, train, test } = viewSplit(log, rng);
  const base = mean(Array.from(train, (k) => x.purchased[k]!));
  const model = new DemandPredictor(
    { inputs: x.names.length, ...PREDICTOR_DEFAULTS, baseRate: base },
    rng,
  );
  const data = { values: x.values, width: x.names.length, labels: x.purchased };
  const outcome = Float32Array.from(test, (k) => x.purchased[k]!);
  const truth = o.truth && Float64Array.from(test, (k) => o.truth!.viewPurchase[x.viewIndex[k]!]!);
  return {
    ...batched('predictor', train, test.length, PREDICTOR_DEFAULTS.batchSize, rng, model, (b) =>
      model.trainBatch(data, b),
    ),
    async evaluate() {
      const p = await model.predict(x.values, x.names.length, test);
      return {
        logLoss: logLoss(p, outcome),
        baseLogLoss: logLoss(
          p.map(() => base),
          outcome,
        ),
        auc: auc(p, outcome),
        ece: calibration(p, outcome).ece,
        ...(truth && { eceTruth: calibration(p, truth).ece }),
      };
    },
    dispose: () => model.dispose(),
  };
}

/**
 * The two-headed network, supervised on the log's views. Metrics: the
 * action head's AUC (did the shopper engage?), and the recommendation head's
 * hit rate and NDCG at 10 of the item the shopper went on to click, among
 * all the log's items.
 */
function twoHeadedTrainer(log: InteractionLog, o: TrainerOptions): LogTrainer {
  const rng = createRandom(o.seed);
  const { x, train, test } = viewSplit(log, rng);
  const width = x.shopperColumns.length;
  const states = selectColumns(x, x.shopperColumns);
  const item = Int32Array.from({ length: x.size }, (_, k) => (x.clicked[k] ? x.item[k]! : -1));
  const I = log.itemIds.length;
  const model = new TwoHeadedNet(
    { inputs: width, items: I, ...TWO_HEADED_DEFAULTS, hidden: [64, 32] },
    rng,
  );
  const data = { states, width, acted: x.clicked, item };
  const acted = Float32Array.from(test, (k) => x.clicked[k]!);
  return {
    ...batched('two-headed', train, test.length, TWO_HEADED_DEFAULTS.batchSize, rng, model, (b) =>
      model.trainBatch(data, b),
    ),
    async evaluate() {
      const out = await model.predict(states, width, test);
      const ranks: number[] = [];
      test.forEach((k, j) => {
        const own = item[k]!;
        if (own < 0) return;
        const pi = out.policy.subarray(j * I, (j + 1) * I);
        let above = 0;
        for (let i = 0; i < I; i++) if (i !== own && pi[i]! >= pi[own]!) above++;
        ranks.push(above);
      });
      const top = topK(ranks, RANK_CUTOFF);
      return { actionAuc: auc(out.act, acted), hitRate: top.hitRate, ndcg: top.ndcg };
    },
    learned: async () => ({
      twoHeaded: {
        features: x.shopperColumns.map((c) => x.names[c]!),
        hidden: model.o.hidden,
        weights: await model.weights(),
      },
    }),
    dispose: () => model.dispose(),
  };
}

/** A trainer for `model` on `log`. */
export function logTrainer(
  model: LogModelName,
  log: InteractionLog,
  o: TrainerOptions,
): LogTrainer {
  const tooBig = logSizeProblem(log.userIds.length, log.itemIds.length);
  if (tooBig) throw new RangeError(tooBig);
  switch (model) {
    case 'cf':
      return cfTrainer(log, o);
    case 'predictor':
      return predictorTrainer(log, o);
    case 'two-headed':
      return twoHeadedTrainer(log, o);
  }
}

/** Trains `trainer` for `epochs` epochs, evaluating after each; for tests and the bench. */
export async function trainEpochs(
  trainer: LogTrainer,
  epochs: number,
  onEpoch?: (r: EpochReport) => void,
): Promise<EpochReport[]> {
  const reports: EpochReport[] = [];
  let seconds = 0;
  let steps = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const losses: tf.Scalar[] = [];
    for (let b = 0; b < trainer.batchesPerEpoch; b++) losses.push(trainer.step());
    steps += losses.length;
    let sum = 0;
    for (const l of losses) {
      sum += (await l.data())[0]!;
      l.dispose();
    }
    seconds += (performance.now() - t0) / 1000;
    const r = {
      epoch,
      steps,
      seconds,
      loss: sum / losses.length,
      metrics: await trainer.evaluate(),
    };
    reports.push(r);
    onEpoch?.(r);
  }
  return reports;
}
