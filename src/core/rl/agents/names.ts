/**
 * The agents' short names and labels, without their code: what the page
 * needs to list and check agents without pulling in tfjs (which only the
 * worker loads, for DQN). The registry pairs each name with its builder.
 */
export const AGENT_LABELS = {
  random: 'random',
  popularity: 'popularity',
  egreedy: 'ε-greedy (0.1)',
  'egreedy-decay': 'ε-greedy (decaying)',
  'egreedy-segment': 'ε-greedy per segment',
  ucb: 'UCB1',
  'ts-beta': 'Thompson (Beta)',
  'ts-gauss': 'Thompson (Gaussian)',
  linucb: 'LinUCB',
  qlearning: 'Q-learning',
  sarsa: 'SARSA',
  dqn: 'DQN (double)',
  cf: 'CF (trained on a log)',
  'two-headed': 'two-headed network (trained on a log)',
} as const;

export type AgentName = keyof typeof AGENT_LABELS;

export const AGENT_NAMES = Object.keys(AGENT_LABELS) as AgentName[];

export function isAgentName(s: string): s is AgentName {
  return Object.hasOwn(AGENT_LABELS, s);
}

/** Agents that race only from what a log taught them (the race's `fromLog`). */
export const LOG_AGENTS: readonly AgentName[] = ['cf', 'two-headed'];

/** Agents built from their settings alone: the command line's and any problem's. */
export const STANDALONE_AGENTS = AGENT_NAMES.filter((n) => !LOG_AGENTS.includes(n));
