/**
 * A second thread for the WASM GEMM kernel (gemm-helper.ts): it shares the
 * WASM backend's memory, waits on a control block in that memory for a
 * product's share, computes it with the same module, and says it is done.
 */
import type { GemmExports } from './gemm-module';
import { CONTROL_INTS, Slot, readShare, runShare } from './gemm-control';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/**
 * How long to watch for the next share before sleeping. A training step's
 * products come a fraction of a millisecond apart, and waking from
 * Atomics.wait takes about a tenth of one, which the caller spends waiting.
 */
const SPIN_MS = 2;

self.onmessage = async (e: MessageEvent<Start>) => {
  const { module, memory, control } = e.data;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernel = instance.exports as unknown as GemmExports;
  // Shared memory never detaches, so these views stay valid as the heap grows.
  const ints = new Int32Array(memory.buffer, control, CONTROL_INTS);
  const floats = new Float32Array(memory.buffer, control, CONTROL_INTS);
  let seen = Atomics.load(ints, Slot.seq);
  self.postMessage('ready');
  for (;;) {
    const until = performance.now() + SPIN_MS;
    let spins = 0;
    while (Atomics.load(ints, Slot.seq) === seen) {
      // The clock now and then: reading it costs more than a look at the slot.
      if (++spins % 256 === 0 && performance.now() > until) {
        Atomics.wait(ints, Slot.seq, seen);
        break;
      }
    }
    seen = Atomics.load(ints, Slot.seq);
    if (ints[Slot.stop]) break;
    runShare(kernel, readShare(ints, floats));
    Atomics.store(ints, Slot.done, seen);
  }
  self.close();
};
