/**
 * The WASM kernels' helper threads, seen from the thread that calls the
 * kernels: a GemmHelper starts gemm-helper.worker.ts over the backend's
 * shared memory (the threaded build's), hands it a task (a share of a
 * product or of an Adam step) through its control block, and waits for it;
 * a HelperPool splits work between the caller and its helpers. A helper
 * that does not answer is dropped and its share computed by the caller.
 */
import {
  CONTROL_INTS,
  runTask,
  Slot,
  writeTask,
  type HelperKernels,
  type HelperTask,
} from './gemm-control';

/** How long a share may take before the helper counts as lost. */
const LOST_MS = 5000;
const READY_MS = 10000;

export class GemmHelperLost extends Error {}

export class GemmHelper {
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;

  private constructor(
    private readonly worker: Worker,
    memory: WebAssembly.Memory,
    control: number,
  ) {
    this.ints = new Int32Array(memory.buffer, control, CONTROL_INTS);
    this.floats = new Float32Array(memory.buffer, control, CONTROL_INTS);
  }

  /**
   * Starts the helper; null where workers or shared memory are missing or
   * it does not come up in time. `control` is CONTROL_BYTES of the heap.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    control: number,
  ): Promise<GemmHelper | null> {
    if (typeof Worker === 'undefined') return null;
    new Int32Array(memory.buffer, control, CONTROL_INTS).fill(0);
    let worker: Worker;
    try {
      worker = new Worker(new URL('./gemm-helper.worker.ts', import.meta.url), { type: 'module' });
    } catch {
      return null;
    }
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_MS);
      worker.onmessage = () => {
        clearTimeout(timer);
        resolve(true);
      };
      worker.onerror = () => {
        clearTimeout(timer);
        resolve(false);
      };
      worker.postMessage({ module, memory, control });
    });
    if (!ready) {
      worker.terminate();
      return null;
    }
    return new GemmHelper(worker, memory, control);
  }

  /** Hands the helper a task; returns the task's number for `wait`. */
  post(task: HelperTask): number {
    writeTask(this.ints, this.floats, task);
    const seq = Atomics.add(this.ints, Slot.seq, 1) + 1;
    Atomics.notify(this.ints, Slot.seq);
    return seq;
  }

  /**
   * Returns when share `seq` is done. Throws GemmHelperLost when the helper
   * does not finish in time; its share is then the caller's to compute.
   */
  wait(seq: number): void {
    // A share takes about as long as the caller's own, so spin rather than sleep; the
    // clock is read now and then so a lost helper cannot hang training.
    let spins = 0;
    let since = 0;
    while (Atomics.load(this.ints, Slot.done) !== seq) {
      if (++spins % 4096 === 0) {
        const now = performance.now();
        since ||= now;
        if (now - since > LOST_MS)
          throw new GemmHelperLost('a GEMM helper thread stopped answering');
      }
    }
  }

  stop(): void {
    Atomics.store(this.ints, Slot.stop, 1);
    Atomics.add(this.ints, Slot.seq, 1);
    Atomics.notify(this.ints, Slot.seq);
    this.worker.terminate();
  }
}

/** The calling thread's kernels and its helpers (none on one thread). */
export class HelperPool {
  helpers: GemmHelper[] = [];
  /** Work split between threads so far, by kind. */
  readonly splits = { gemm: 0, adam: 0 };

  /** `local.adam` may come later, when the Adam kernel is installed. */
  constructor(readonly local: HelperKernels) {}

  get threads(): number {
    return this.helpers.length + 1;
  }

  /**
   * Runs `tasks` (at most `threads` of them): the first on this thread, the
   * others on helpers at the same time; returns when all are done.
   */
  run(tasks: HelperTask[]): void {
    if (tasks.length > 1) this.splits[tasks[0]!.kind]++;
    const helpers = this.helpers.slice(0, tasks.length - 1);
    const posted = helpers.map((h, i) => h.post(tasks[i + 1]!));
    runTask(this.local, tasks[0]!);
    helpers.forEach((h, i) => {
      try {
        h.wait(posted[i]!);
      } catch (e) {
        if (!(e instanceof GemmHelperLost)) throw e;
        // Training goes on without it; its share is computed here.
        h.stop();
        this.helpers = this.helpers.filter((x) => x !== h);
        runTask(this.local, tasks[i + 1]!);
      }
    });
  }
}
