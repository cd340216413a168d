/**
 * The policies a log can judge: the lab's agents after learning from a log,
 * measured as the distribution of their choices; the pessimistic policy the
 * same rows teach; and a team's policy file, read whole or refused with the
 * line and the reason.
 */
import { describe, expect, it } from 'vitest';
import type { LoggedDecisions } from '../../../../src/core/rl/ope/logged';
import {
  pessimisticPolicy,
  policyFromCsv,
  PolicyFileError,
  POLICY_SAMPLES,
  trainedAgentPolicy,
} from '../../../../src/core/rl/ope/policies';

/** Rows of (segment, item, reward), one shopper each. */
function rows(list: [number, number, number][]): LoggedDecisions {
  return {
    context: Int32Array.from(list, (r) => r[0]),
    action: Int32Array.from(list, (r) => r[1]),
    reward: Float64Array.from(list, (r) => r[2]),
    propensity: new Float64Array(list.length).fill(0.25),
    group: Int32Array.from(list, (_, i) => i),
  };
}

const repeat = (n: number, row: [number, number, number]) => Array.from({ length: n }, () => row);

const sum = (p: ArrayLike<number>) => Array.from(p).reduce((a, b) => a + b, 0);

describe('the lab’s agents, taught by a log', () => {
  // Segment 0 clicks item 1, segment 1 clicks item 3; the others never click.
  const log = rows(
    Array.from({ length: 4000 }, (_, i): [number, number, number] => {
      const s = i % 2;
      const a = Math.floor(i / 2) % 4;
      return [s, a, a === (s === 0 ? 1 : 3) ? 1 : 0];
    }),
  );

  it('ε-greedy per segment learns each segment’s item, and its policy is what it then chooses', () => {
    const p = trainedAgentPolicy('egreedy-segment', log, { segments: 2, items: 4 }, 1);
    for (const s of [0, 1]) expect(sum(p.probabilities(s))).toBeCloseTo(1, 12);
    const best = (s: number) => {
      const pi = Array.from(p.probabilities(s));
      return pi.indexOf(Math.max(...pi));
    };
    expect([best(0), best(1)]).toEqual([1, 3]);
    // Its exploration goes on: the other items keep some of its choices.
    expect(p.probabilities(0)[1]!).toBeLessThan(1);
    expect(p.probabilities(0)[1]!).toBeGreaterThan(0.25);
  });

  it('random’s choices spread evenly, measured over its samples', () => {
    const p = trainedAgentPolicy('random', log, { segments: 2, items: 4 }, 2);
    for (const q of Array.from(p.probabilities(1))) {
      expect(q).toBeCloseTo(0.25, 1);
      expect((q * POLICY_SAMPLES) % 1).toBe(0);
    }
  });
});

describe('the pessimistic policy', () => {
  it('prefers a rate the log knows well to a lucky one, and serves an unseen segment the best overall', () => {
    const log = rows([
      ...repeat(80, [0, 0, 1]),
      ...repeat(20, [0, 0, 0]),
      [0, 1, 1], // one show, one click: a mean of 1, a lower bound near 0.2
      ...repeat(5, [1, 2, 1]),
    ]);
    const p = pessimisticPolicy(log, { segments: 3, items: 3 });
    expect(Array.from(p.probabilities(0))).toEqual([1, 0, 0]);
    expect(Array.from(p.probabilities(1))).toEqual([0, 0, 1]);
    // Segment 2 has no rows: item 0's 80 of 100 has the best bound of all (item 2's 5 of 5 is lower).
    expect(Array.from(p.probabilities(2))).toEqual([1, 0, 0]);
  });
});

describe('a team’s policy file', () => {
  const log = {
    contexts: ['new', 'loyal'],
    items: ['A', 'B', 'C'],
    context: Int32Array.of(0, 1, 1),
    decisionIds: ['d1', 'd2', 'd3'],
    decisionOf: Int32Array.of(0, 1, 2),
  };

  it('reads one distribution per segment, or one per decision keyed to the judged rows', () => {
    const { policy: bySegment } = policyFromCsv(
      'Segment,Item,Probability\r\nnew,A,0.5\r\nnew,B,0.5\r\nloyal,C,1\r\n',
      log,
    );
    expect(Array.from(bySegment.probabilities(0))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(bySegment.probabilities(1))).toEqual([0, 0, 1]);
    expect(bySegment.rowKey).toBeUndefined();
    const { policy: byDecision } = policyFromCsv(
      'decision,item,probability\nd1,A,1\nd2,B,0.3333\nd2,C,0.6667\nd3,"C",1\n',
      log,
    );
    expect(Array.from(byDecision.rowKey!)).toEqual([0, 1, 2]);
    expect(byDecision.probabilities(1)[1]).toBeCloseTo(0.3333, 4);
    expect(sum(byDecision.probabilities(1))).toBeCloseTo(1, 12); // normalised within tolerance
  });

  it('keeps what a policy gives items the log does not have apart, as the share it cannot judge', () => {
    const file = policyFromCsv('segment,item,probability\nnew,A,0.97\nnew,Z,0.03\nloyal,C,1', log);
    expect(file.unknownItems).toEqual(['Z']);
    expect(file.unknownShare).toBeCloseTo(0.03 / 3, 12); // one judged row of three is "new"
    expect(Array.from(file.policy.probabilities(0))).toEqual([0.97, 0, 0]);
  });

  it('refuses a file it cannot read whole, saying where and why', () => {
    const refusals: [string, RegExp][] = [
      ['', /empty/],
      ['segment,item\nnew,A', /must name segment \(or decision\), item and probability/],
      ['segment,decision,item,probability\nnew,d1,A,1', /segment or decision, not both/],
      ['segment,item,probability\nold,A,1', /line 2: the log has no segment "old"/],
      ['segment,item,probability\nnew,,1', /line 2: the item is empty/],
      ['segment,item,probability\nnew,A,1\nnew,B,-0.1', /line 3: the probability "-0.1" is not/],
      ['segment,item,probability\nnew,A,lots', /"lots" is not a number in \[0, 1\]/],
      ['segment,item,probability\nnew,A,0.6\nloyal,C,1', /"new" sum to 0.6000, not 1/],
      ['segment,item,probability\nnew,A,1', /no probabilities for segment "loyal"/],
      [
        'decision,item,probability\nd1,A,1\nd2,C,1',
        /no probabilities for 1 of the log’s judged decisions \(first: "d3"\)/,
      ],
    ];
    for (const [text, reason] of refusals) {
      expect(() => policyFromCsv(text, log), text).toThrow(PolicyFileError);
      expect(() => policyFromCsv(text, log), text).toThrow(reason);
    }
    const noDecisions = { ...log, decisionIds: undefined };
    expect(() => policyFromCsv('decision,item,probability\nd1,A,1', noDecisions)).toThrow(
      /names no decisions/,
    );
  });
});
