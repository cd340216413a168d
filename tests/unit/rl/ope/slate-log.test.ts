/**
 * A log of your own whose decisions show slates, judged as slates: its
 * views grouped into slates by decision and slot, propensities per slot
 * (recorded, or estimated and said so), and every policy judged by its
 * slot marginals with per-position IPS and the pseudo-inverse estimator,
 * against the truth the test's problem knows.
 */
import { describe, expect, it } from 'vitest';
import { parseInteractionLog } from '../../../../src/core/data/interaction-log';
import { evaluateOnLog } from '../../../../src/core/rl/ope/evaluate';
import { decisionsOfLog, slatesOfLog } from '../../../../src/core/rl/ope/from-log';
import { opeTable } from '../../../../src/core/rl/ope/report-table';
import type { OpeRequest } from '../../../../src/core/rl/ope/request';
import { sharpSlatePolicy, slateLogCsv, slateProblem, slateTruth } from '../../helpers/slate-log';

const problem = slateProblem(3);
const items = problem.slots * problem.block;

async function ownLog(csv: string): Promise<OpeRequest['log']> {
  return {
    source: 'own',
    name: 'slates.csv',
    log: await parseInteractionLog(csv),
    reward: 'click',
  };
}

describe('a log of slates', () => {
  it('groups views into slates by decision and slot, leaving out the malformed, with propensities per slot', async () => {
    const csv = slateLogCsv(problem, 3_000, 1);
    // Two more decisions: one showing two items, one naming slot 0 twice.
    const extra = [
      'odd-1,sku-1,view,2027-01-01T00:00:00.000Z,students,x1,0,0.5',
      'odd-1,sku-12,view,2027-01-01T00:00:01.000Z,students,x1,1,0.5',
      'odd-2,sku-2,view,2027-01-01T00:01:00.000Z,students,x2,0,0.5',
      'odd-2,sku-13,view,2027-01-01T00:01:01.000Z,students,x2,0,0.5',
      'odd-2,sku-24,view,2027-01-01T00:01:02.000Z,students,x2,2,0.5',
    ];
    const log = await parseInteractionLog(`${csv.trimEnd()}\n${extra.join('\n')}\n`);
    const d = decisionsOfLog(log, 'click');
    const s = slatesOfLog(d)!;
    expect(s.slates.slots).toBe(3);
    expect(s.slates.context.length).toBe(3_000);
    expect(s.dropped).toBe(2);
    expect(s.estimated).toBe(0);
    // Each slot shows its own block, with the propensity the log recorded for it.
    const byItem = new Map(log.itemIds.map((id, a) => [a, Number(id.slice(4)) - 1]));
    for (let j = 0; j < 300; j++) {
      const k = j % 3;
      const a = byItem.get(s.slates.action[j]!)!;
      expect(Math.floor(a / problem.block)).toBe(k);
      const x = problem.segments.indexOf(d.contexts[s.slates.context[Math.floor(j / 3)]!]!);
      expect(s.slates.propensity[j]).toBeCloseTo(problem.logging[x]![k * items + a]!, 9);
    }

    // Without propensities: each estimated as the item's share of its slot's shows in the segment.
    const bare = slatesOfLog(
      decisionsOfLog(
        await parseInteractionLog(slateLogCsv(problem, 3_000, 1, { propensities: false })),
      ),
    )!;
    expect(bare.estimated).toBe(9_000);
    let worst = 0;
    for (let j = 0; j < 9_000; j++)
      worst = Math.max(worst, Math.abs(bare.slates.propensity[j]! - s.slates.propensity[j]!));
    expect(worst).toBeLessThan(0.06); // about 1,000 slates per segment: shares within a few points
    expect(worst).toBeGreaterThan(0); // estimated, not read

    // A log of single items is no log of slates.
    const single = [
      'user_id,item_id,event,segment,decision,position',
      'u1,a,view,s,d1,0',
      'u2,b,view,s,d2,0',
    ].join('\n');
    expect(slatesOfLog(decisionsOfLog(await parseInteractionLog(single)))).toBeNull();
  });

  it('judges a team’s slate policy against its truth, and the policies the log teaches', async () => {
    const log = await ownLog(slateLogCsv(problem, 8_000, 2));
    const team = sharpSlatePolicy(problem, 0.6);
    const report = evaluateOnLog({
      log,
      policies: [
        { kind: 'file', name: 'slates.csv', text: team.csv },
        { kind: 'pessimistic' },
        { kind: 'agent', agent: 'ucb' },
        { kind: 'example' },
      ],
      trainShare: 0.5,
      seed: 3,
      resamples: 300,
    });
    expect(report.slots).toBe(3);
    expect(report.estimators).toEqual(['per-position-ips', 'pseudo-inverse']);
    expect(report.judgedRows).toBe(4_000);
    expect(report.log).toContain('as slates of 3 items (slots 0 to 2)');
    expect(report.trust).toMatch(/^Judged as whole slates/);
    const [file, pessimistic, ucb, example] = report.policies;
    // The truth on these segments: each segment a third of the shoppers.
    const truth = slateTruth(problem, team.marginals, [1 / 3, 1 / 3, 1 / 3]);
    for (const e of file!.estimates) {
      expect(e.low).toBeLessThanOrEqual(truth * 1.02);
      expect(e.high).toBeGreaterThanOrEqual(truth * 0.98);
      expect(Math.abs(e.value - truth) / truth).toBeLessThan(0.1);
    }
    // The log's own: its slots' mean clicks; the sharper team and the pessimistic top 3 beat it.
    const logged = slateTruth(problem, problem.logging, [1 / 3, 1 / 3, 1 / 3]);
    expect(Math.abs(report.logging.value - logged) / logged).toBeLessThan(0.05);
    expect(truth).toBeGreaterThan(logged);
    expect(pessimistic!.estimates[0]!.low).toBeGreaterThan(report.logging.high);
    expect(ucb!.error).toBeNull();
    expect(ucb!.estimates).toHaveLength(2);
    expect(example!.error).toMatch(/simulator’s logs only/);

    const table = opeTable(report);
    expect(table).toContain('Judged on 4,000 slates');
    expect(table).toContain('| policy | Per-position IPS | Pseudo-inverse (PI) | ESS |');
  });

  it('refuses a policy file that gives no slots, and one whose slot leaves the log’s support', async () => {
    const log = await ownLog(slateLogCsv(problem, 2_000, 4));
    const perSegment = [
      'segment,item,probability',
      'students,sku-1,1',
      'families,sku-1,1',
      'premium,sku-1,1',
    ];
    // Slot 0 shows only the first block; this file puts slot 0 on an item of the second.
    const team = sharpSlatePolicy(problem, 0.6).csv.replace(
      /^students,0,sku-1,/m,
      'students,0,sku-11,',
    );
    const report = evaluateOnLog({
      log,
      policies: [
        { kind: 'file', name: 'flat.csv', text: perSegment.join('\n') },
        { kind: 'file', name: 'moved.csv', text: team },
      ],
      trainShare: 0,
      seed: 1,
      resamples: 50,
    });
    expect(report.policies[0]!.error).toMatch(
      /shows 3 items a decision: give the policy per segment and slot \(segment,position,item,probability\)/,
    );
    expect(report.policies[1]!.error).toMatch(
      /for segment “students” the target gives 64\.0% of position 0 to items the log never shows there/,
    );
  });
});
