/**
 * The matrix products the kernel checks run on each backend against tfjs
 * cpu: every transpose pair, edges that do not fill a block, an empty sum,
 * batches and broadcasts, bias and each activation.
 */
import type { MatMulCase } from './webgpu-kernels';

const plain: Pick<MatMulCase, 'batchA' | 'batchB' | 'bias' | 'activation'> = {
  batchA: [],
  batchB: [],
  bias: false,
  activation: null,
};

export const MATMUL_CASES: MatMulCase[] = [
  { ...plain, m: 128, k: 784, n: 1024, transposeA: false, transposeB: false },
  { ...plain, m: 128, k: 784, n: 1024, transposeA: false, transposeB: true },
  { ...plain, m: 784, k: 128, n: 1024, transposeA: true, transposeB: false },
  { ...plain, m: 37, k: 29, n: 61, transposeA: true, transposeB: true },
  { ...plain, m: 1, k: 5, n: 1, transposeA: false, transposeB: false },
  { ...plain, m: 67, k: 0, n: 9, transposeA: false, transposeB: false },
  { ...plain, m: 13, k: 21, n: 70, transposeA: false, transposeB: false, batchA: [3], batchB: [3] },
  {
    ...plain,
    m: 13,
    k: 21,
    n: 70,
    transposeA: true,
    transposeB: false,
    batchA: [2, 3],
    batchB: [1],
  },
  { ...plain, m: 9, k: 11, n: 17, transposeA: false, transposeB: true, batchA: [], batchB: [4] },
  ...(['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const).map((activation) => ({
    ...plain,
    m: 33,
    k: 50,
    n: 70,
    transposeA: false,
    transposeB: false,
    bias: true,
    activation,
  })),
  { ...plain, m: 33, k: 50, n: 70, transposeA: false, transposeB: true, activation: 'sigmoid' },
];

/** A case in words, for assertion messages. */
export const describeCase = (c: MatMulCase): string =>
  `${c.m}×${c.k}×${c.n} tA=${c.transposeA} tB=${c.transposeB} batches ${JSON.stringify([c.batchA, c.batchB])} bias=${c.bias} ${c.activation}`;
