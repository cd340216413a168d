/**
 * The control block the GEMM kernel's two threads share (gemm-helper.ts and
 * gemm-helper.worker.ts): 32-bit slots in the WASM heap, a sequence number
 * the caller bumps to hand over a share, the number of the last share done,
 * a stop flag and the share's `gemm` arguments.
 */
import type { GemmExports } from './gemm-module';

export type GemmArgs = Parameters<GemmExports['gemm']>;

export const Slot = { seq: 0, done: 1, stop: 2, args: 3 } as const;
/** The argument that is a float (alpha); the rest are 32-bit integers. */
const ALPHA = 12;
export const CONTROL_INTS = Slot.args + 14;
export const CONTROL_BYTES = CONTROL_INTS * 4;

export function writeCall(ints: Int32Array, floats: Float32Array, args: GemmArgs): void {
  args.forEach((v, i) => {
    if (i === ALPHA) floats[Slot.args + i] = v;
    else ints[Slot.args + i] = v;
  });
}

export function readCall(ints: Int32Array, floats: Float32Array): GemmArgs {
  return Array.from({ length: 14 }, (_, i) =>
    i === ALPHA ? floats[Slot.args + i]! : ints[Slot.args + i]!,
  ) as GemmArgs;
}
