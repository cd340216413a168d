/**
 * The recommender benchmarks inside a module worker, where the app trains:
 * the simulator and bandit agents in plain JS, DQN on each tfjs backend asked
 * for. Loaded by tests/bench/rl.mjs from Vite's dev server.
 */
import { activateBackend } from '../../src/core/compute/activate';
import type { BackendName } from '../../src/core/compute/backends';
import { probeCapabilities } from '../../src/core/compute/probe';
import { decisionRates, dqnUpdateRate, simulatorRates, TIMED_AGENTS, type Rate } from './rl-bench';

interface Request {
  ms: number;
  backends: BackendName[];
}

self.onmessage = async (e: MessageEvent<Request>) => {
  const { ms, backends } = e.data;
  const simulator = simulatorRates('fashion', ms);
  const decisions = await decisionRates('fashion', TIMED_AGENTS, ms);
  const dqn: (Rate & { backend: string })[] = [];
  const caps = await probeCapabilities();
  for (const backend of backends) {
    try {
      // As the app starts a backend: WASM with a thread per core and explicit transposes.
      const info = await activateBackend([backend], backend, caps, { wasmPrefix: '/tfjs-wasm/' });
      if (info.name !== backend) throw new Error(`started ${info.name} instead`);
      const threads = info.wasm
        ? ` (${info.wasm.threads} thread${info.wasm.threads === 1 ? '' : 's'})`
        : '';
      dqn.push({ backend: backend + threads, ...(await dqnUpdateRate('fashion', ms)) });
    } catch (err) {
      dqn.push({ backend, name: `failed: ${String(err)}`, perSecond: 0, count: 0 });
    }
  }
  self.postMessage({ simulator, decisions, dqn });
};
