/// <reference lib="webworker" />
/**
 * The cold-start worker: runs the experiment of core/rl/cold-start.ts off
 * the page (a few seconds of simulation per recommender), reporting progress.
 * It is separate from the training worker so a GAN can keep training.
 */
import { holdoutSplit } from '../core/data/holdout';
import { createRandom } from '../core/random';
import { runColdStart, type ColdStartReply, type ColdStartRequest } from '../core/rl/cold-start';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: ColdStartReply) => scope.postMessage(msg);

scope.onmessage = (e: MessageEvent<ColdStartRequest>) => {
  const { config, real, synthetic, splitSeed } = e.data;
  try {
    // The GAN held these rows out with the same seed: they arrive as the new shoppers.
    const split = holdoutSplit(real.values.length / real.names.length, createRandom(splitSeed));
    let last = 0;
    const result = runColdStart({ config, real, split, synthetic }, (done, total) => {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      post({ type: 'progress', done, total });
    });
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
};
