/**
 * The two-headed network's weights as plain data: names and shapes as
 * TwoHeadedNet builds them, without tfjs, so the page can check a race's
 * prior (lab/config.ts) without loading the network's code.
 */

/** One weight of the network: its name in the model, its shape, its values row-major. */
export interface NetWeight<V = Float32Array> {
  name: string;
  shape: number[];
  values: V;
}

/** The weights' shapes by name, as TwoHeadedNet builds them for these sizes. */
export function twoHeadedShapes(
  inputs: number,
  hidden: readonly [number, number],
  items: number,
): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [tower, last] of [
    ['action', 1],
    ['recommendation', items],
  ] as const) {
    const widths = [inputs, hidden[0], hidden[1], last];
    const names = [`${tower}_dense1`, `${tower}_dense2`, `${tower}_output`];
    names.forEach((n, l) => {
      shapes.set(`${n}/kernel`, [widths[l]!, widths[l + 1]!]);
      shapes.set(`${n}/bias`, [widths[l + 1]!]);
    });
  }
  return shapes;
}
