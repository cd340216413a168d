/** Row-major tables of numbers, as the fidelity measures take them. */

/** Rows of `cols` values each, row-major. */
export interface Table {
  values: Float32Array;
  rows: number;
  cols: number;
}

export function table(values: Float32Array, cols: number): Table {
  if (cols <= 0 || values.length % cols !== 0)
    throw new RangeError(`${values.length} values do not make rows of ${cols}`);
  return { values, rows: values.length / cols, cols };
}

export function column(t: Table, c: number): Float64Array {
  const out = new Float64Array(t.rows);
  for (let r = 0; r < t.rows; r++) out[r] = t.values[r * t.cols + c]!;
  return out;
}
