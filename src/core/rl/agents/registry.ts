/**
 * Every agent by its short name, as the command line and the bench name
 * them, built by the lab's own factory (build.ts) from each kind's default
 * settings (settings.ts): an agent on the command line is the agent the lab
 * races. Each works on any problem that meets the contract; Thompson (Beta)
 * needs rewards in [0, 1].
 */
import type { Agent, ProblemShape } from '../contract';
import { buildAgent } from './build';
import { AGENT_LABELS, AGENT_NAMES, isAgentName, type AgentName } from './names';
import { agentSettings } from './settings';

export interface AgentEntry {
  label: string;
  make: (shape: ProblemShape, seed: number) => Agent;
}

export const AGENTS = Object.fromEntries(
  AGENT_NAMES.map((name) => [
    name,
    {
      label: AGENT_LABELS[name],
      make: (shape: ProblemShape, seed: number) => buildAgent(agentSettings(name), shape, seed),
    },
  ]),
) as Record<AgentName, AgentEntry>;
export { isAgentName, type AgentName };

/** Parses "ucb,linucb,dqn"; throws naming an unknown agent and listing the known ones. */
export function parseAgentList(list: string): AgentName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new RangeError('name at least one agent');
  for (const n of names)
    if (!isAgentName(n))
      throw new RangeError(`unknown agent "${n}"; choose from ${Object.keys(AGENTS).join(', ')}`);
  return names as AgentName[];
}
