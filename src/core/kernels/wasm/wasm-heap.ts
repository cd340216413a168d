/**
 * The WASM backend's heap, for the app's own WebAssembly kernels
 * (wasm-gemm.ts, wasm-adam.ts) that read and write tensors where tfjs keeps
 * them. These are the parts of tfjs-backend-wasm's backend and Emscripten
 * module they use; tfjs's typings do not expose them.
 */
import * as tf from '@tensorflow/tfjs';
import { loopsModuleBytes, type LoopsExports } from './gemm/loops-module';
import { isShared } from './gemm/wasm-encoder';

export interface WasmBackend {
  wasm: {
    _malloc(bytes: number): number;
    _free(at: number): void;
    /** The threaded build's shared memory. */
    wasmMemory?: WebAssembly.Memory;
    /** The single-threaded build exports its memory. */
    asm?: { memory?: WebAssembly.Memory };
  };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** A registered WASM backend and its memory, or null (not registered, or not the expected build). */
export function wasmHeap(
  backendName: string,
): { backend: WasmBackend; memory: WebAssembly.Memory } | null {
  const backend = tf.findBackend(backendName) as unknown as WasmBackend | null;
  const memory = backend?.wasm?.wasmMemory ?? backend?.wasm?.asm?.memory;
  return backend && memory instanceof WebAssembly.Memory ? { backend, memory } : null;
}

/** A tensor's byte address in the heap. */
export const addressOf = (backend: WasmBackend, t: tf.TensorInfo): number =>
  backend.dataIdMap.get(t.dataId).memoryOffset;

/**
 * A module of the app's own (gemm/*-module.ts) over a heap's memory, built
 * for a shared memory where the heap is one; null where this engine rejects it.
 */
export async function instantiateOver<T>(
  memory: WebAssembly.Memory,
  build: (shared: boolean) => Uint8Array<ArrayBuffer>,
): Promise<T | null> {
  const bytes = build(isShared(memory));
  if (!WebAssembly.validate(bytes)) return null;
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  return instance.exports as unknown as T;
}

const loopsOver = new WeakMap<WebAssembly.Memory, Promise<LoopsExports | null>>();

/** The loops module (gemm/loops-module.ts) over a heap's memory: one instance per memory, shared by its kernels. */
export function heapLoops(memory: WebAssembly.Memory): Promise<LoopsExports | null> {
  let loops = loopsOver.get(memory);
  if (!loops) {
    loops = instantiateOver<LoopsExports>(memory, loopsModuleBytes);
    loopsOver.set(memory, loops);
  }
  return loops;
}

/** A scratch region in a WASM backend's heap, kept between calls and grown (never shrunk). */
export class HeapArea {
  private at = 0;
  private bytes = 0;

  constructor(private readonly backend: WasmBackend) {}

  /** The address of at least `bytes` bytes; growing it moves it, and may grow the memory. */
  reserve(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.at) this.backend.wasm._free(this.at);
      this.bytes = Math.max(bytes, this.bytes * 2);
      this.at = this.backend.wasm._malloc(this.bytes) >>> 0;
    }
    return this.at;
  }
}
