/** Agents whose state is partly tfjs tensors (networks, Adam's moments): a checkpoint saves those as tensors. */
import type { NamedTensor } from '../../store/checkpoint';
import type { Agent } from '../contract';

export interface TensorState {
  /** The agent's tensors, named under `prefix` (after `sync`). */
  tensors(prefix: string): Promise<{ weights: NamedTensor[]; optimizer: NamedTensor[] }>;
  /** Puts back what `tensors` saved, into an agent built with the same settings. */
  setTensors(prefix: string, weights: NamedTensor[], optimizer: NamedTensor[]): Promise<void>;
}

export function holdsTensors(a: Agent): a is Agent & TensorState {
  const t = a as Partial<TensorState>;
  return typeof t.tensors === 'function' && typeof t.setTensors === 'function';
}
