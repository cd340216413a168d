/**
 * One Adam step for a variable in one pass over memory, in the WASM
 * backend's heap. tfjs's AdamOptimizer spends about ten element-wise kernels
 * per variable (each a full pass over the weights); on the article GAN's 2.6
 * million weights that was about a seventh of a WASM training step.
 *
 * The arithmetic is tfjs's, operation by operation, each rounded to float32
 * (no fused multiply-add), so the results are the same numbers:
 *   m' = m·β1 + g·(1−β1)             v' = v·β2 + g²·(1−β2)
 *   w' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + w
 * with β1ᵗ and β2ᵗ read from the optimizer's own scalars in memory.
 */
import { add, f32Load, F32, get, I32, moduleBytes, set, f32, type Code } from './wasm-encoder';
import { laneLoop, SCALAR, type Lanes } from './lanes';

/**
 * adam(w, g, m, v, w2, m2, v2, n, acc1, acc2, b1, c1, b2, c2, negLr, eps):
 * byte addresses of n floats each (w2, m2, v2 written), acc1/acc2 addresses
 * of β1ᵗ and β2ᵗ, then β1, 1−β1, β2, 1−β2, −lr and ε as float32.
 */
export function adamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const [w, g, m, v, w2, m2, v2, n, acc1, acc2, b1, c1, b2, c2, negLr, eps] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  ];
  const [at, end, bc1, bc2] = [16, 17, 18, 19];
  // One pass of `lanes.width` elements at byte offset `at`.
  const pass = (L: Lanes): Code[] => {
    const elem = (base: number) => add(get(base), get(at));
    const gv = L.load(elem(g));
    const newM = L.add(L.mul(L.load(elem(m)), L.splat(get(b1))), L.mul(gv, L.splat(get(c1))));
    const newV = L.add(
      L.mul(L.load(elem(v)), L.splat(get(b2))),
      L.mul(L.mul(gv, gv), L.splat(get(c2))),
    );
    const step = (mm: Code, vv: Code) =>
      L.add(
        L.mul(
          L.div(
            L.div(mm, L.splat(get(bc1))),
            L.add(L.sqrt(L.div(vv, L.splat(get(bc2)))), L.splat(get(eps))),
          ),
          L.splat(get(negLr)),
        ),
        L.load(elem(w)),
      );
    return [
      L.store(elem(m2), newM),
      L.store(elem(v2), newV),
      // m2 and v2 hold m' and v' now; reading them back keeps the expression one pass.
      L.store(elem(w2), step(L.load(elem(m2)), L.load(elem(v2)))),
    ];
  };
  return moduleBytes({ shared }, [
    {
      export: 'adam',
      params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32],
      locals: [I32, I32, F32, F32],
      body: [
        set(bc1, SCALAR.sub(f32(1), f32Load(get(acc1)))),
        set(bc2, SCALAR.sub(f32(1), f32Load(get(acc2)))),
        set(end, add(get(n), add(get(n), add(get(n), get(n))))),
        ...laneLoop(at, get(end), pass),
      ],
    },
  ]);
}

export interface AdamExports {
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    w2: number,
    m2: number,
    v2: number,
    n: number,
    acc1: number,
    acc2: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    negLr: number,
    eps: number,
  ): void;
}
