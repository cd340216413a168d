/// <reference lib="webworker" />
/**
 * The training worker: all TensorFlow.js work happens here, never on the page.
 * It only wires the browser's messaging to TrainingHost, which holds the logic.
 */
import { activateBackend, loseDeviceOnPurpose, watchDeviceLoss } from '../core/compute/activate';
import { probeCapabilities } from '../core/compute/probe';
import { timeBackends, workerTiming } from './speed-probe';
import { loadMnist } from '../core/data/mnist';
import { loadClassifier } from '../core/gan/classifier';
import { TrainingHost } from './host';
import type { FromWorker } from '../core/protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

// A CSP violation inside the worker would otherwise be invisible to the page.
scope.addEventListener('securitypolicyviolation', (event) => {
  const e = event as SecurityPolicyViolationEvent;
  post({
    type: 'log',
    level: 'error',
    message: `CSP violation in worker: ${e.violatedDirective} blocked ${e.blockedURI}`,
  });
});

const host = new TrainingHost(post, {
  probe: () => probeCapabilities(),
  activate: activateBackend,
  timeBackends: (plan, caps, options, onTiming) =>
    timeBackends(plan, { ...workerTiming(caps, options), onTiming }),
  traits: () => ({ userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency || 1 }),
  watchDeviceLoss,
  loseDevice: loseDeviceOnPurpose,
  loadMnist: (url, onBytes) => loadMnist(url, fetch, onBytes),
  loadClassifier: (url) => loadClassifier(url),
});

scope.onmessage = (e: MessageEvent<unknown>) => void host.handle(e.data);
