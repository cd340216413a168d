/** An experiment's result as a markdown table and as CSV, for the CLI, the README and exports. */
import { csvText } from '../data/csv';
import type { ExperimentResult } from './experiment';
import { METRIC_LABELS, METRICS, type Interval, type MetricName } from './metrics';

/** Cumulative reward is left out: reward per step says the same at a readable scale. */
const TABLE_METRICS = METRICS.filter((m) => m !== 'reward');

function digits(m: MetricName): number {
  return m === 'regret' || m === 'revenuePerSession' ? 1 : m === 'sessionLength' ? 2 : 3;
}

/** "0.412 ± 0.010" (no ± with one seed). */
export function formatInterval(i: Interval, decimals: number): string {
  if (!Number.isFinite(i.mean)) return '–';
  const mean = i.mean.toFixed(decimals);
  return i.n > 1 ? `${mean} ± ${i.half.toFixed(decimals)}` : mean;
}

/** Reward per step relative to the random agent's, as "+42%", when random ran. */
function lift(result: ExperimentResult, i: number): string {
  const random = result.agents.find((a) => a.agent === 'random');
  if (!random) return '';
  const base = random.metrics.rewardPerStep.mean;
  const own = result.agents[i]!.metrics.rewardPerStep.mean;
  if (!(base > 0)) return '–';
  const pct = Math.round((own / base - 1) * 100);
  return `${pct >= 0 ? '+' : ''}${pct}%`;
}

export function experimentTable(result: ExperimentResult): string {
  const hasRandom = result.agents.some((a) => a.agent === 'random');
  const head = ['agent', ...TABLE_METRICS.map((m) => METRIC_LABELS[m])];
  if (hasRandom) head.push('reward vs random');
  const rows = result.agents.map((a, i) => {
    const cells = [a.label, ...TABLE_METRICS.map((m) => formatInterval(a.metrics[m], digits(m)))];
    if (hasRandom) cells.push(lift(result, i));
    return cells;
  });
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join(
    '\n',
  );
}

/** CTR of each agent per shopper segment. */
export function segmentTable(result: ExperimentResult): string {
  const head = ['agent', ...result.segmentNames.map((n) => `CTR ${n}`)];
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(head),
    line(head.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...result.agents.map((a) =>
      line([a.label, ...a.segments.map((s) => formatInterval(s.metrics.ctr, 3))]),
    ),
  ].join('\n');
}

/** One row per agent, segment ("all" for the whole run) and metric: mean, 95% low and high, seeds. */
export function experimentCsv(result: ExperimentResult): string {
  const rows: (string | number)[][] = [
    ['agent', 'segment', 'metric', 'mean', 'low', 'high', 'seeds'],
  ];
  for (const a of result.agents) {
    const groups = [{ name: 'all', metrics: a.metrics }, ...a.segments];
    for (const g of groups)
      for (const m of METRICS) {
        const i = g.metrics[m];
        rows.push([String(a.agent), g.name, m, i.mean, i.low, i.high, i.n]);
      }
  }
  return csvText(rows);
}
