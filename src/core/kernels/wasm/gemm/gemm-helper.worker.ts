/**
 * A helper thread for the app's WASM kernels (gemm-helper.ts): it shares the
 * WASM backend's memory, waits on a control block in that memory for a task
 * (a share of a product or of an Adam step), runs it with the same modules,
 * and says it is done.
 */
import { adamModuleBytes, type AdamExports } from './adam-module';
import type { GemmExports } from './gemm-module';
import { CONTROL_INTS, Slot, readTask, runTask, type HelperKernels } from './gemm-control';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/**
 * How long to watch for the next task before sleeping. A training step's
 * products come a fraction of a millisecond apart, and waking from
 * Atomics.wait takes about a tenth of one, which the caller spends waiting.
 */
const SPIN_MS = 2;

self.onmessage = async (e: MessageEvent<Start>) => {
  const { module, memory, control } = e.data;
  const imports = { env: { memory } };
  const gemm = (await WebAssembly.instantiate(module, imports)).exports as unknown as GemmExports;
  const adamBytes = adamModuleBytes(true);
  const adam = WebAssembly.validate(adamBytes)
    ? ((await WebAssembly.instantiate(adamBytes, imports)).instance
        .exports as unknown as AdamExports)
    : null;
  const kernels: HelperKernels = { gemm, adam };
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
    runTask(kernels, readTask(ints, floats));
    Atomics.store(ints, Slot.done, seen);
  }
  self.close();
};
