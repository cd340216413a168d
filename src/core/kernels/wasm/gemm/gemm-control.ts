/**
 * The control block the app's WASM threads share (gemm-helper.ts and
 * gemm-helper.worker.ts): 32-bit slots in the WASM heap, a sequence number
 * the caller bumps to hand over a task, the number of the last task done, a
 * stop flag and the task: a share of a product (its panels of B packed from
 * `pack` unless already packed, then `gemm`) or a share of an Adam step.
 */
import type { AdamExports } from './adam-module';
import type { GemmExports } from './gemm-module';

export type GemmArgs = Parameters<GemmExports['gemm']>;
export type AdamArgs = Parameters<AdamExports['adam']>;
/** `pack`'s arguments but the first, the panels' source, and the last, where they go (gemm's `bp`). */
export interface PackFrom {
  src: number;
  sk: number;
  sn: number;
}
export type HelperTask =
  { kind: 'gemm'; pack: PackFrom | null; gemm: GemmArgs } | { kind: 'adam'; adam: AdamArgs };
export type GemmShare = Extract<HelperTask, { kind: 'gemm' }>;

/** The kernels a thread runs tasks with. */
export interface HelperKernels {
  gemm: GemmExports;
  adam: AdamExports | null;
}

export const Slot = { seq: 0, done: 1, stop: 2, task: 3, src: 4, sk: 5, sn: 6, args: 7 } as const;
/** Task codes in Slot.task: a product's share without packing, with packing, an Adam share. */
const GEMM = 1;
const GEMM_PACKED = 2;
const ADAM = 3;
/** gemm's one float argument (alpha); Adam's floats are its last six. */
const GEMM_ALPHA = 12;
const ADAM_FLOATS = 10;
const ARGS = 16;
export const CONTROL_INTS = Slot.args + ARGS;
export const CONTROL_BYTES = CONTROL_INTS * 4;

const isFloat = (kind: HelperTask['kind'], i: number): boolean =>
  kind === 'gemm' ? i === GEMM_ALPHA : i >= ADAM_FLOATS;

export function writeTask(ints: Int32Array, floats: Float32Array, task: HelperTask): void {
  const args = task.kind === 'gemm' ? task.gemm : task.adam;
  if (task.kind === 'gemm' && task.pack) {
    ints[Slot.task] = GEMM;
    ints[Slot.src] = task.pack.src;
    ints[Slot.sk] = task.pack.sk;
    ints[Slot.sn] = task.pack.sn;
  } else ints[Slot.task] = task.kind === 'gemm' ? GEMM_PACKED : ADAM;
  args.forEach((v, i) => {
    if (isFloat(task.kind, i)) floats[Slot.args + i] = v;
    else ints[Slot.args + i] = v;
  });
}

export function readTask(ints: Int32Array, floats: Float32Array): HelperTask {
  const code = ints[Slot.task];
  const kind = code === ADAM ? 'adam' : 'gemm';
  const args = Array.from({ length: kind === 'gemm' ? 14 : 16 }, (_, i) =>
    isFloat(kind, i) ? floats[Slot.args + i]! : ints[Slot.args + i]!,
  );
  if (kind === 'adam') return { kind, adam: args as AdamArgs };
  const pack =
    code === GEMM ? { src: ints[Slot.src]!, sk: ints[Slot.sk]!, sn: ints[Slot.sn]! } : null;
  return { kind, pack, gemm: args as GemmArgs };
}

/** Runs a task: a product's share (packing its panels of B first where it must), or an Adam share. */
export function runTask(kernels: HelperKernels, task: HelperTask): void {
  if (task.kind === 'adam') {
    if (!kernels.adam) throw new Error('this thread has no Adam kernel');
    kernels.adam.adam(...task.adam);
    return;
  }
  const { pack, gemm } = task;
  if (pack) kernels.gemm.pack(pack.src, pack.sk, pack.sn, gemm[8], gemm[9], gemm[3]);
  kernels.gemm.gemm(...gemm);
}
