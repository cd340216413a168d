/**
 * The source's three recommender models trained on a simulated log in node
 * (tests/bench/log-models.mjs loads this through Vite's module runner): per
 * model and backend, minibatch steps per second and the training time until
 * the model first meets its check.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { parseInteractionLog } from '../../src/core/data/interaction-log';
import { useSegmentSum } from '../../src/core/kernels/segment-sum';
import { useAllWasmKernels } from '../../src/core/kernels/wasm/all-kernels';
import {
  logTrainer,
  trainEpochs,
  type EpochReport,
  type LogModelName,
} from '../../src/core/rl/models/log-runs';
import { simulatedLog } from '../../src/core/rl/sim/simulated-log';

export interface ModelRow {
  model: string;
  target: string;
  stepsPerSecond: number;
  /** Training seconds until the check first held, or null when it never did. */
  secondsToTarget: number | null;
  epochToTarget: number | null;
  final: Record<string, number>;
  epochs: EpochReport[];
}

/** tfjs on `backend` in node with the app's own kernels, as the worker has them (WASM on one thread). */
export async function useNodeBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  tf.env().set('IS_NODE', false);
  if (backend === 'wasm') {
    setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start ${backend}`);
  await tf.ready();
  if (backend === 'wasm') await useAllWasmKernels('wasm');
  else useSegmentSum('cpu');
}

export async function benchLogModels(sessions: number, epochs: number) {
  const sim = simulatedLog({ shop: 'fashion', sessions, seed: 1 });
  const log = await parseInteractionLog(sim.csv);
  const rows: ModelRow[] = [];
  const add = (
    model: string,
    target: string,
    met: (m: Record<string, number>) => boolean,
    reports: EpochReport[],
  ) => {
    const hit = reports.find((r) => met(r.metrics));
    const last = reports[reports.length - 1]!;
    rows.push({
      model,
      target,
      stepsPerSecond: last.steps / last.seconds,
      secondsToTarget: hit ? hit.seconds : null,
      epochToTarget: hit ? hit.epoch : null,
      final: last.metrics,
      epochs: reports,
    });
  };
  const train = async (model: LogModelName, seed: number) => {
    const trainer = logTrainer(model, log, { seed, truth: sim.truth });
    const reports = await trainEpochs(trainer, epochs);
    trainer.dispose();
    return reports;
  };
  add(
    'collaborative filtering',
    'Spearman ≥ 0.8',
    (m) => m['spearman']! >= 0.8,
    await train('cf', 5),
  );
  add(
    'demand predictor',
    'ECE vs truth ≤ 0.02',
    (m) => m['eceTruth']! <= 0.02,
    await train('predictor', 3),
  );
  add(
    'two-headed network',
    'HR@10 ≥ 2× chance',
    (m) => m['hitRate']! >= (2 * 10) / log.itemIds.length,
    await train('two-headed', 6),
  );
  return { rows, logRows: log.summary.rows, users: log.userIds.length, items: log.itemIds.length };
}
