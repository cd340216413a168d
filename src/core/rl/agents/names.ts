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
} as const;

export type AgentName = keyof typeof AGENT_LABELS;

export const AGENT_NAMES = Object.keys(AGENT_LABELS) as AgentName[];

export function isAgentName(s: string): s is AgentName {
  return Object.hasOwn(AGENT_LABELS, s);
}
