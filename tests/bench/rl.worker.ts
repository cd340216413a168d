/**
 * The recommender benchmarks inside a module worker, where the app trains:
 * the simulator and bandit agents in plain JS, DQN on each tfjs backend asked
 * for. Loaded by tests/bench/rl.mjs from Vite's dev server.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decisionRates, dqnUpdateRate, simulatorRates, TIMED_AGENTS, type Rate } from './rl-bench';

interface Request {
  ms: number;
  backends: string[];
}

self.onmessage = async (e: MessageEvent<Request>) => {
  const { ms, backends } = e.data;
  const simulator = simulatorRates('fashion', ms);
  const decisions = await decisionRates('fashion', TIMED_AGENTS, ms);
  const dqn: (Rate & { backend: string })[] = [];
  setWasmPaths('/tfjs-wasm/');
  // Same choice as the app: single-threaded WASM (see compute/activate.ts).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  for (const backend of backends) {
    try {
      if (!(await tf.setBackend(backend))) throw new Error('did not start');
      await tf.ready();
      dqn.push({ backend, ...(await dqnUpdateRate('fashion', ms)) });
    } catch (err) {
      dqn.push({ backend, name: `failed: ${String(err)}`, perSecond: 0, count: 0 });
    }
  }
  self.postMessage({ simulator, decisions, dqn });
};
