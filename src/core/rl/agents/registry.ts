/**
 * Every agent by its short name, as the command line and the bench name
 * them, built by the lab's own factory (build.ts) from each kind's default
 * settings (settings.ts): an agent on the command line is the agent the lab
 * races. Each works on any problem that meets the contract; Thompson (Beta)
 * needs rewards in [0, 1].
 */
import type { Agent, ProblemShape } from '../contract';
import { buildAgent } from './build';
import { AGENT_LABELS, isAgentName, STANDALONE_AGENTS, type AgentName } from './names';
import { isLogAgent, needsLog } from './needs-log';
import { agentSettings } from './settings';

export interface AgentEntry {
  label: string;
  make: (shape: ProblemShape, seed: number) => Agent;
}

export const AGENTS = Object.fromEntries(
  STANDALONE_AGENTS.map((name) => [
    name,
    {
      label: AGENT_LABELS[name],
      make: (shape: ProblemShape, seed: number) => buildAgent(agentSettings(name), shape, seed),
    },
  ]),
) as Partial<Record<AgentName, AgentEntry>>;
export { isAgentName, type AgentName };

/** An agent's entry; throws for one that races only from a log (CF, the two-headed network). */
export function agentEntry(name: AgentName): AgentEntry {
  const entry = AGENTS[name];
  if (!entry) throw new RangeError(isLogAgent(name) ? needsLog(name) : `no agent "${name}"`);
  return entry;
}

/** Parses "ucb,linucb,dqn"; throws naming an unknown agent and listing the known ones. */
export function parseAgentList(list: string): AgentName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new RangeError('name at least one agent');
  for (const n of names) {
    if (!isAgentName(n))
      throw new RangeError(`unknown agent "${n}"; choose from ${Object.keys(AGENTS).join(', ')}`);
    agentEntry(n);
  }
  return names as AgentName[];
}
