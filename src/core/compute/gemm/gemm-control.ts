/**
 * The control block the GEMM kernel's threads share (gemm-helper.ts and
 * gemm-helper.worker.ts): 32-bit slots in the WASM heap, a sequence number
 * the caller bumps to hand over a share, the number of the last share done,
 * a stop flag and the share: where to pack its panels of B from, if it
 * packs them, and its `gemm` arguments.
 */
import type { GemmExports } from './gemm-module';

export type GemmArgs = Parameters<GemmExports['gemm']>;
/** `pack`'s arguments but the first, the panels' source, and the last, where they go (gemm's `bp`). */
export interface PackFrom {
  src: number;
  sk: number;
  sn: number;
}
/** A share of a product: its panels of B packed from `pack` (or already packed when null), then `gemm`. */
export interface GemmShare {
  pack: PackFrom | null;
  gemm: GemmArgs;
}

export const Slot = { seq: 0, done: 1, stop: 2, packs: 3, src: 4, sk: 5, sn: 6, args: 7 } as const;
/** The argument that is a float (alpha); the rest are 32-bit integers. */
const ALPHA = 12;
const ARGS = 14;
export const CONTROL_INTS = Slot.args + ARGS;
export const CONTROL_BYTES = CONTROL_INTS * 4;

export function writeShare(ints: Int32Array, floats: Float32Array, share: GemmShare): void {
  ints[Slot.packs] = share.pack ? 1 : 0;
  if (share.pack) {
    ints[Slot.src] = share.pack.src;
    ints[Slot.sk] = share.pack.sk;
    ints[Slot.sn] = share.pack.sn;
  }
  share.gemm.forEach((v, i) => {
    if (i === ALPHA) floats[Slot.args + i] = v;
    else ints[Slot.args + i] = v;
  });
}

export function readShare(ints: Int32Array, floats: Float32Array): GemmShare {
  const gemm = Array.from({ length: ARGS }, (_, i) =>
    i === ALPHA ? floats[Slot.args + i]! : ints[Slot.args + i]!,
  ) as GemmArgs;
  const pack = ints[Slot.packs]
    ? { src: ints[Slot.src]!, sk: ints[Slot.sk]!, sn: ints[Slot.sn]! }
    : null;
  return { pack, gemm };
}

/** Computes a share: packs its panels of B where it must (K × its columns, at gemm's `bp`), then multiplies. */
export function runShare(kernel: GemmExports, { pack, gemm }: GemmShare): void {
  if (pack) kernel.pack(pack.src, pack.sk, pack.sn, gemm[8], gemm[9], gemm[3]);
  kernel.gemm(...gemm);
}
