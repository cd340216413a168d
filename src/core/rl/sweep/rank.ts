/**
 * A sweep's answer: its configurations ranked by the spec's outcome, mean
 * and 95% interval over seeds (metrics.ts's interval), and the best run
 * again on fresh seeds and ranked again, so the winner of many is not just
 * the luckiest. Then a markdown table (charts/sweep-svg.ts draws the best
 * ones' curves).
 * All of it is a function of the cells alone, in any order: one process or
 * the merge of many shards give the same bytes.
 */
import { interval, METRIC_LABELS, type Interval } from '../metrics';
import type { CellResult } from './cells';
import { OUTCOMES, type SweepConfig, type SweepSpec } from './spec';

export interface RankedConfig {
  index: number;
  label: string;
  /** The configuration as a race of one agent, less its seed: what the lab opens. */
  race: SweepConfig['race'];
  /** The outcome over the seeds whose cells finished. */
  outcome: Interval;
  seeds: number;
  /** Cells that failed, and the first one's error. */
  failed: number;
  error: string | null;
  /** Mean cumulative reward at the curve's points. */
  curve: number[];
}

export interface SweepReport {
  name: string;
  /** The spec's environment module, when its agents ran on a problem of their own instead of a shop. */
  environment: string | null;
  outcome: SweepSpec['outcome'];
  steps: number;
  configs: number;
  cells: number;
  failed: number;
  ranking: RankedConfig[];
  /** The top configurations on fresh seeds, ranked again (empty when `top` is 0). */
  fresh: RankedConfig[];
}

/** Ranks the configurations that have cells in `results`, best first (ties: the spec's order). */
export function rankConfigs(spec: SweepSpec, results: readonly CellResult[]): RankedConfig[] {
  const metric = OUTCOMES[spec.outcome];
  const by = new Map<number, CellResult[]>();
  for (const r of results) by.set(r.config, [...(by.get(r.config) ?? []), r]);
  const ranked = [...by].map(([index, cells]): RankedConfig => {
    const done = cells.filter((c) => c.metrics).sort((a, b) => a.seed - b.seed);
    const failed = cells.filter((c) => c.error);
    const points = done[0]?.curve.length ?? 0;
    return {
      index,
      label: spec.configs[index]!.label,
      race: spec.configs[index]!.race,
      outcome: interval(done.map((c) => c.metrics![metric])),
      seeds: done.length,
      failed: failed.length,
      error: failed.sort((a, b) => a.seed - b.seed)[0]?.error ?? null,
      curve: Array.from(
        { length: points },
        (_, p) => done.reduce((s, c) => s + c.curve[p]!, 0) / done.length,
      ),
    };
  });
  const score = (r: RankedConfig) => (Number.isFinite(r.outcome.mean) ? r.outcome.mean : -Infinity);
  return ranked.sort((a, b) => score(b) - score(a) || a.index - b.index);
}

/** The sweep's report from all its cells and the fresh seeds' cells. */
export function sweepReport(
  spec: SweepSpec,
  cells: readonly CellResult[],
  fresh: readonly CellResult[],
): SweepReport {
  return {
    name: spec.name,
    outcome: spec.outcome,
    steps: spec.steps,
    environment: spec.environment,
    configs: spec.configs.length,
    cells: cells.length,
    failed: cells.filter((c) => c.error).length,
    ranking: rankConfigs(spec, cells),
    fresh: rankConfigs(spec, fresh),
  };
}

/** The configurations to run again on fresh seeds: the best `top` that finished a cell. */
export function topConfigs(spec: SweepSpec, ranking: readonly RankedConfig[]): number[] {
  return ranking
    .filter((r) => r.seeds > 0)
    .slice(0, spec.top)
    .map((r) => r.index);
}

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');
const cell = (i: Interval) => `${f(i.mean)} [${f(i.low)}, ${f(i.high)}]`;

/** The ranking (and the fresh seeds' ranking beside it) as a markdown table. */
export function sweepTable(report: SweepReport, rows = 20): string {
  const fresh = new Map(report.fresh.map((r, place) => [r.index, { r, place }]));
  const what = METRIC_LABELS[OUTCOMES[report.outcome]];
  const head = ['#', 'configuration', `${what} (95% over seeds)`, 'seeds'];
  if (report.fresh.length > 0) head.push('fresh seeds', 'fresh #');
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 1 ? '---' : '---:')).join(' | ')} |`,
  ];
  report.ranking.slice(0, rows).forEach((r, place) => {
    const again = fresh.get(r.index);
    const cells = [
      String(place + 1),
      r.label,
      r.seeds > 0 ? cell(r.outcome) : `failed: ${r.error}`,
      r.failed > 0 ? `${r.seeds} (${r.failed} failed)` : String(r.seeds),
    ];
    if (report.fresh.length > 0)
      cells.push(again ? cell(again.r.outcome) : '', again ? String(again.place + 1) : '');
    lines.push(`| ${cells.join(' | ')} |`);
  });
  const more = report.ranking.length - rows;
  return [
    `${report.name}: ${report.configs.toLocaleString('en')} configurations, ${report.cells.toLocaleString('en')} cells of ${report.steps.toLocaleString('en')} decisions (${report.failed} failed), ranked by ${what}.`,
    '',
    ...lines,
    ...(more > 0 ? [`| | … ${more.toLocaleString('en')} more in ranking.json | | |`] : []),
  ].join('\n');
}
