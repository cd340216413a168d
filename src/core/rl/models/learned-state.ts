/**
 * What a model had learned at its last epoch's end (CF's tables, the
 * two-headed network's weights), as checkpoint tensors and back. A race
 * started from a resumed run must start from the same numbers as one from
 * the unbroken run, and the weights have moved on since that epoch ended,
 * so they are saved as they were then. They come back only into the shapes
 * a trainer built from the same log has (`template`).
 */
import { CheckpointError, type NamedTensor } from '../../store/checkpoint';
import type { LearnedModel } from '../agents/log-prior';
import type { CfTables } from './cf-tables';

const CF_TABLES = ['user', 'item', 'userBias', 'itemBias'] as const;

const tensor = (name: string, data: Float32Array): NamedTensor => ({
  name,
  shape: [data.length],
  dtype: 'float32',
  data: data.slice(),
});

/** `learned`'s numbers as tensors named under `prefix`. */
export function learnedToTensors(learned: LearnedModel, prefix: string): NamedTensor[] {
  const out: NamedTensor[] = [];
  if (learned.cf) for (const k of CF_TABLES) out.push(tensor(`${prefix}/cf/${k}`, learned.cf[k]));
  if (learned.twoHeaded)
    for (const w of learned.twoHeaded.weights)
      out.push(tensor(`${prefix}/two-headed/${w.name}`, w.values));
  return out;
}

/** The saved values of one table or weight, of the length `like` has. */
function values(saved: NamedTensor[], name: string, like: Float32Array): Float32Array {
  const t = saved.find((s) => s.name === name);
  if (!t) throw new CheckpointError(`${name} is missing from the saved model`);
  if (!(t.data instanceof Float32Array) || t.data.length !== like.length)
    throw new CheckpointError(
      `${name} has ${t.data.length} values where the model has ${like.length}`,
    );
  return t.data.slice();
}

/** The model `learnedToTensors` saved, in the shapes of `template` (what this run's trainer learns). */
export function learnedFromTensors(
  template: LearnedModel,
  saved: NamedTensor[],
  prefix: string,
): LearnedModel {
  const mine = saved.filter((t) => t.name.startsWith(`${prefix}/`));
  const out: LearnedModel = {};
  const expected = learnedToTensors(template, prefix).length;
  if (mine.length !== expected)
    throw new CheckpointError(
      `the saved model has ${mine.length} tables or weights where this model has ${expected}`,
    );
  if (template.cf) {
    const cf: CfTables = { ...template.cf };
    for (const k of CF_TABLES) cf[k] = values(mine, `${prefix}/cf/${k}`, template.cf[k]);
    out.cf = cf;
  }
  if (template.twoHeaded)
    out.twoHeaded = {
      ...template.twoHeaded,
      weights: template.twoHeaded.weights.map((w) => ({
        ...w,
        values: values(mine, `${prefix}/two-headed/${w.name}`, w.values),
      })),
    };
  return out;
}
