/// <reference lib="webworker" />
/**
 * The evaluation worker: judges policies on a log off the page (reading the
 * log, teaching the agents, thousands of bootstrap resamples), so the page
 * and any training stay responsive. Nothing leaves the machine.
 */
import { evaluateOnLog } from '../core/rl/ope/evaluate';
import type { OpeReply, OpeRequest } from '../core/rl/ope/request';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: OpeReply) => scope.postMessage(msg);

scope.onmessage = (e: MessageEvent<OpeRequest>) => {
  try {
    const report = evaluateOnLog(e.data, (done, total) => post({ type: 'progress', done, total }));
    post({ type: 'done', report });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
};
