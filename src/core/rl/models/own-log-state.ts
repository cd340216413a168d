/**
 * Your own log in a saved model run: a run on a log you read must resume
 * from its session alone, so the run's state carries the log (its name, and
 * the log as data/log-state.ts writes it). tfjs-free: the page reads the log
 * back when it opens such a session, to show it and to start it again.
 */
import * as v from 'valibot';
import { logFromState, logToState } from '../../data/log-state';
import type { JobCheckpoint } from '../../jobs/job';
import { CheckpointError, type NamedTensor } from '../../store/checkpoint';
import type { Json } from '../../store/schema';
import type { OwnLog } from './log-source';

const PREFIX = 'log';

/** `own` as the JSON part (under the state's `own`) and tensors of a checkpoint. */
export function ownLogState(own: OwnLog): { json: Json; tensors: NamedTensor[] } {
  const saved = logToState(own.log, PREFIX);
  return { json: { name: own.name, log: saved.json }, tensors: saved.tensors };
}

const OWN = v.strictObject({ name: v.pipe(v.string(), v.maxLength(300)), log: v.unknown() });

/** The log of your own a saved run carries, read back whole and checked; null when it has none. */
export function ownLogOf(state: Pick<JobCheckpoint, 'extra' | 'weights'>): OwnLog | null {
  const own = (state.extra as { own?: unknown } | null | undefined)?.own;
  if (own === undefined || own === null) return null;
  const read = v.safeParse(OWN, own);
  if (!read.success) throw new CheckpointError('the saved run’s log is damaged: its name or shape');
  return { name: read.output.name, log: logFromState(read.output.log, state.weights, PREFIX) };
}
