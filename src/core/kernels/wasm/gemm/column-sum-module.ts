/**
 * Column sums of a row-major matrix in the WASM backend's heap: the bias
 * gradient of every dense layer (a sum over the batch). tfjs-backend-wasm
 * 4.22's Sum transposes the matrix first so that each output sums a
 * contiguous run, a full copy for every bias. Here rows are added into the
 * output four columns at a time, in row order from zero, which is the order
 * the shipped kernel adds them in: the sums are the same numbers.
 */
import {
  add,
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
} from './wasm-encoder';
import { laneLoop, type Lanes } from './lanes';

/** columnSum(x, rows, cols, out): out[j] = Σ_r x[r·cols + j], byte addresses. */
export function columnSumModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const [x, rows, cols, out] = [0, 1, 2, 3];
  const [r, j, row, end] = [4, 5, 6, 7];
  const o = (at: number) => add(get(out), get(at));
  const s = (at: number) => add(get(row), get(at));
  // Byte offsets j walk a row: four columns at a time, then one.
  const overRow = (pass: (L: Lanes) => Code[]): Code[] => laneLoop(j, get(end), pass);
  return moduleBytes({ shared }, [
    {
      export: 'columnSum',
      params: [I32, I32, I32, I32],
      locals: [I32, I32, I32, I32],
      body: [
        set(end, mul(get(cols), i32(4))),
        ...overRow((L) => [L.store(o(j), L.splat(f32(0)))]),
        set(r, i32(0)),
        set(row, get(x)),
        until(
          geU(get(r), get(rows)),
          ...overRow((L) => [L.store(o(j), L.add(L.load(o(j)), L.load(s(j))))]),
          set(row, add(get(row), get(end))),
          set(r, add(get(r), i32(1))),
        ),
      ],
    },
  ]);
}

export interface ColumnSumExports {
  columnSum(x: number, rows: number, cols: number, out: number): void;
}
