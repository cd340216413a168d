/**
 * Cliff walking (Sutton and Barto, example 6.6): a 4 × 12 grid, start in the
 * bottom-left corner, goal in the bottom-right, and the cells between them on
 * the bottom row a cliff. Each move costs −1; stepping into the cliff costs
 * −100 and sends the walker back to the start. Moves: 0 up, 1 right, 2 down,
 * 3 left; moving off the grid leaves the walker where it is.
 *
 * The classic contrast: with ε-greedy exploration Q-learning learns the
 * shortest path along the cliff edge (and falls in while exploring), SARSA
 * learns a safer path further up and earns more while it learns.
 */
import type { Environment, Observation, StepResult } from '../contract';

export const CLIFF = { rows: 4, cols: 12 } as const;
const START = (CLIFF.rows - 1) * CLIFF.cols;
const GOAL = CLIFF.rows * CLIFF.cols - 1;
const MOVES = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
] as const;

export class CliffWalk implements Environment<{ fell: boolean }> {
  readonly numActions = 4;
  readonly numStates = CLIFF.rows * CLIFF.cols;
  readonly contextSize = 0;
  private cell = START;

  private observation(): Observation {
    return { state: this.cell, context: null };
  }

  reset(): Observation {
    this.cell = START;
    return this.observation();
  }

  step(action: number | ArrayLike<number>): StepResult<{ fell: boolean }> {
    const a = typeof action === 'number' ? action : action[0]!;
    const move = MOVES[a];
    if (!move) throw new RangeError(`moves are 0-3, got ${a}`);
    const row = Math.min(CLIFF.rows - 1, Math.max(0, Math.floor(this.cell / CLIFF.cols) + move[0]));
    const col = Math.min(CLIFF.cols - 1, Math.max(0, (this.cell % CLIFF.cols) + move[1]));
    const next = row * CLIFF.cols + col;
    const fell = row === CLIFF.rows - 1 && col > 0 && col < CLIFF.cols - 1;
    this.cell = fell ? START : next;
    return {
      observation: this.observation(),
      reward: fell ? -100 : -1,
      done: this.cell === GOAL,
      info: { fell },
    };
  }
}
