/**
 * An evaluation's report as the command line prints it: a markdown table,
 * one row per policy (the log's own average first), each estimator's value
 * with its 95% interval, the ESS, the largest weight and, for the
 * simulator's logs, the truth; then each policy's refusal or warnings.
 */
import { ESTIMATOR_LABELS, type OpeReport } from './request';

const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const f = (v: number) => v.toFixed(3);

export function opeTable(report: OpeReport): string {
  const truth = report.logging.truth !== null;
  const estimators = report.estimators;
  const head = [
    'policy',
    ...estimators.map((e) => ESTIMATOR_LABELS[e]),
    'ESS',
    'largest weight',
    ...(truth ? ['truth'] : []),
  ];
  const l = report.logging;
  const logged = [
    'the log’s own average',
    `${f(l.value)} [${f(l.low)}, ${f(l.high)}]`,
    ...estimators.slice(1).map(() => ''),
    '',
    '',
    ...(truth ? [f(l.truth!)] : []),
  ];
  const rows = report.policies.map((p) =>
    p.error
      ? [
          p.name,
          'not judged (below)',
          ...estimators.slice(1).map(() => ''),
          '',
          '',
          ...(truth ? [''] : []),
        ]
      : [
          p.name,
          ...p.estimates.map((e) => `${f(e.value)} [${f(e.low)}, ${f(e.high)}]`),
          Math.round(p.estimates[0]!.ess).toLocaleString('en'),
          p.estimates[0]!.maxWeight.toFixed(1),
          ...(truth ? [p.truth === null ? '' : f(p.truth)] : []),
        ],
  );
  const notes = report.policies.flatMap((p) =>
    p.error ? [`- ${p.name}: not judged: ${p.error}`] : p.warnings.map((w) => `- ${p.name}: ${w}`),
  );
  return [
    `Judged on ${report.judgedRows.toLocaleString('en')} ${report.slots > 1 ? 'slates' : 'decisions'} of ${report.log}; the agents learned from the ${report.trainRows.toLocaleString('en')} before them.`,
    ...(report.trust ? [report.trust] : []),
    '',
    line(head),
    line(head.map((_, i) => (i === 0 ? '---' : '---:'))),
    line(logged),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
