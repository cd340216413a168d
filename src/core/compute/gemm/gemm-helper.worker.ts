/**
 * A second thread for the WASM GEMM kernel (gemm-helper.ts): it shares the
 * WASM backend's memory, waits on a control block in that memory for a
 * product's share, computes it with the same module, and says it is done.
 * It blocks between products (Atomics.wait), which a worker may do.
 */
import type { GemmExports } from './gemm-module';
import { CONTROL_INTS, Slot, readCall } from './gemm-control';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

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
    Atomics.wait(ints, Slot.seq, seen);
    seen = Atomics.load(ints, Slot.seq);
    if (ints[Slot.stop]) break;
    kernel.gemm(...readCall(ints, floats));
    Atomics.store(ints, Slot.done, seen);
  }
  self.close();
};
