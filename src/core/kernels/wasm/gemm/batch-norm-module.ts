/**
 * Batch norm's passes over a channels-last matrix (rows × channels) in the
 * WASM backend's heap, four channels at a time, for wasm-batch-norm.ts.
 * Through tfjs's ops a batch norm in training is about 25 kernels forward
 * and 50 backward (moments, the normalisation, their gradients, broadcasts
 * and tiles); here it is two passes forward and two backward. Per-channel
 * vectors (mean, gamma, the coefficients of the input gradient) are read
 * from the heap; the caller works them out from the sums, C values each.
 *
 * - `moments`: per-channel mean and variance, Σx / n then Σ(x − mean)² / n,
 *   added in row order as tfjs's moments add them (through the app's Mean);
 * - `normalize`: max(((x − mean) · gamma) / sd + beta, floor), where floor is
 *   −∞ (no activation) or 0 (a ReLU after);
 * - `gradientSums`: Σg and Σg · (x − mean) per channel, g being dy, or dy
 *   where y > 0 after a fused ReLU;
 * - `inputGradient`: a · g + b · (x − mean) + c, per-channel a, b, c.
 */
import {
  add,
  F32,
  f32,
  geU,
  get,
  I32,
  i32,
  moduleBytes,
  mul,
  set,
  until,
  type Code,
  type ValueType,
} from './wasm-encoder';
import { laneLoop, type Lanes } from './lanes';

/** `pass` for every row, `j` walking the row's channels and `row` the row's byte offset. */
function overRows(
  rows: number,
  cols: number,
  [j, r, row, end]: number[],
  pass: (L: Lanes) => Code[],
): Code[] {
  return [
    set(end, mul(get(cols), i32(4))),
    set(r, i32(0)),
    set(row, i32(0)),
    until(
      geU(get(r), get(rows)),
      ...laneLoop(j!, get(end!), pass),
      set(row, add(get(row!), get(end!))),
      set(r, add(get(r!), i32(1))),
    ),
  ];
}

/**
 * A function's loop locals from `first` (j, r, row, end), and addresses
 * through them: `at(v)`, channel j of a per-channel vector; `inRow(x)`,
 * channel j of the current row of a matrix.
 */
function cursor(first: number) {
  const locals = [first, first + 1, first + 2, first + 3];
  const [j, , row, end] = locals as [number, number, number, number];
  return {
    locals,
    j,
    end,
    at: (v: number) => add(get(v), get(j)),
    inRow: (x: number) => add(add(get(x), get(row)), get(j)),
  };
}

export function batchNormModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const LOOP: ValueType[] = [I32, I32, I32, I32];

  // moments(x, rows, cols, mean, variance, count): count = rows as a float.
  const m = { x: 0, rows: 1, cols: 2, mean: 3, variance: 4, count: 5 };
  const mc = cursor(6);
  const [mAt, mIn] = [mc.at, mc.inRow];
  const everyChannel = (pass: (L: Lanes) => Code[]) => laneLoop(mc.j, get(mc.end), pass);
  const deviation = (L: Lanes) => L.sub(L.load(mIn(m.x)), L.load(mAt(m.mean)));
  const moments: Code[] = [
    set(mc.end, mul(get(m.cols), i32(4))),
    ...everyChannel((L) => [
      L.store(mAt(m.mean), L.splat(f32(0))),
      L.store(mAt(m.variance), L.splat(f32(0))),
    ]),
    ...overRows(m.rows, m.cols, mc.locals, (L) => [
      L.store(mAt(m.mean), L.add(L.load(mAt(m.mean)), L.load(mIn(m.x)))),
    ]),
    ...everyChannel((L) => [
      L.store(mAt(m.mean), L.div(L.load(mAt(m.mean)), L.splat(get(m.count)))),
    ]),
    ...overRows(m.rows, m.cols, mc.locals, (L) => [
      L.store(mAt(m.variance), L.add(L.load(mAt(m.variance)), L.mul(deviation(L), deviation(L)))),
    ]),
    ...everyChannel((L) => [
      L.store(mAt(m.variance), L.div(L.load(mAt(m.variance)), L.splat(get(m.count)))),
    ]),
  ];

  // normalize(x, rows, cols, mean, gamma, sd, beta, floor, out)
  const n = { x: 0, rows: 1, cols: 2, mean: 3, gamma: 4, sd: 5, beta: 6, floor: 7, out: 8 };
  const nc = cursor(9);
  const [nAt, nIn] = [nc.at, nc.inRow];
  const normalize = overRows(n.rows, n.cols, nc.locals, (L) => [
    L.store(
      nIn(n.out),
      L.max(
        L.add(
          L.div(
            L.mul(L.sub(L.load(nIn(n.x)), L.load(nAt(n.mean))), L.load(nAt(n.gamma))),
            L.load(nAt(n.sd)),
          ),
          L.load(nAt(n.beta)),
        ),
        L.splat(get(n.floor)),
      ),
    ),
  ]);

  // gradientSums(dy, y, x, rows, cols, mean, relu, sumG, sumGX) and
  // inputGradient(dy, y, x, rows, cols, mean, relu, a, b, c, out) share their first seven.
  const g = { dy: 0, y: 1, x: 2, rows: 3, cols: 4, mean: 5, relu: 6 };
  const gradientOf = (L: Lanes, inRow: (base: number) => Code) => {
    const dy = L.load(inRow(g.dy));
    const masked = L.select(dy, L.splat(f32(0)), L.lt(L.splat(f32(0)), L.load(inRow(g.y))));
    return [...masked, ...dy, ...get(g.relu), 0x1b];
  };
  const s = { sumG: 7, sumGX: 8 };
  const sc = cursor(9);
  const [sAt, sIn] = [sc.at, sc.inRow];
  const sCentred = (L: Lanes) => L.sub(L.load(sIn(g.x)), L.load(sAt(g.mean)));
  const gradientSums: Code[] = [
    set(sc.end, mul(get(g.cols), i32(4))),
    ...laneLoop(sc.j, get(sc.end), (L) => [
      L.store(sAt(s.sumG), L.splat(f32(0))),
      L.store(sAt(s.sumGX), L.splat(f32(0))),
    ]),
    ...overRows(g.rows, g.cols, sc.locals, (L) => [
      L.store(sAt(s.sumG), L.add(L.load(sAt(s.sumG)), gradientOf(L, sIn))),
      L.store(sAt(s.sumGX), L.add(L.load(sAt(s.sumGX)), L.mul(gradientOf(L, sIn), sCentred(L)))),
    ]),
  ];

  const d = { a: 7, b: 8, c: 9, out: 10 };
  const dc = cursor(11);
  const [dAt, dIn] = [dc.at, dc.inRow];
  const inputGradient = overRows(g.rows, g.cols, dc.locals, (L) => [
    L.store(
      dIn(d.out),
      L.add(
        L.add(
          L.mul(L.load(dAt(d.a)), gradientOf(L, dIn)),
          L.mul(L.load(dAt(d.b)), L.sub(L.load(dIn(g.x)), L.load(dAt(g.mean)))),
        ),
        L.load(dAt(d.c)),
      ),
    ),
  ]);

  return moduleBytes({ shared }, [
    {
      export: 'moments',
      params: [I32, I32, I32, I32, I32, F32],
      locals: LOOP,
      body: moments,
    },
    {
      export: 'normalize',
      params: [I32, I32, I32, I32, I32, I32, I32, F32, I32],
      locals: LOOP,
      body: normalize,
    },
    {
      export: 'gradientSums',
      params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
      locals: LOOP,
      body: gradientSums,
    },
    {
      export: 'inputGradient',
      params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
      locals: LOOP,
      body: inputGradient,
    },
  ]);
}

/** Byte addresses; rows × cols floats, channels last. */
export interface BatchNormExports {
  moments(
    x: number,
    rows: number,
    cols: number,
    mean: number,
    variance: number,
    count: number,
  ): void;
  normalize(
    x: number,
    rows: number,
    cols: number,
    mean: number,
    gamma: number,
    sd: number,
    beta: number,
    floor: number,
    out: number,
  ): void;
  gradientSums(
    dy: number,
    y: number,
    x: number,
    rows: number,
    cols: number,
    mean: number,
    relu: number,
    sumG: number,
    sumGX: number,
  ): void;
  inputGradient(
    dy: number,
    y: number,
    x: number,
    rows: number,
    cols: number,
    mean: number,
    relu: number,
    a: number,
    b: number,
    c: number,
    out: number,
  ): void;
}
