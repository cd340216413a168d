/** What the lab says of an agent that races only from a log, in a race given none (config.ts, build.ts). */
import type { LogPrior } from './log-prior';

/** The agents that race only from a model trained on a log, and the part of the prior each needs. */
const LEARNED_FROM = {
  cf: { name: 'CF', has: (p: LogPrior) => Boolean(p.cf) },
  'two-headed': { name: 'The two-headed network', has: (p: LogPrior) => Boolean(p.twoHeaded) },
} as const;

export type LogAgentName = keyof typeof LEARNED_FROM;

export const isLogAgent = (kind: string): kind is LogAgentName => Object.hasOwn(LEARNED_FROM, kind);

export function needsLog(kind: LogAgentName): string {
  return `${LEARNED_FROM[kind].name} races only from a model trained on a log: train one under "The source's own recommender models" and race it from there`;
}

/** Null when `prior` carries what `kind` races from, else why it cannot race. */
export function logAgentProblem(
  kind: LogAgentName,
  prior: LogPrior | null | undefined,
): string | null {
  return prior && LEARNED_FROM[kind].has(prior) ? null : needsLog(kind);
}
