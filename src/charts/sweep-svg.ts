/**
 * A sweep's best configurations' curves as a standalone SVG file, for the
 * command line (no DOM: d3's scales and line generator give the numbers and
 * the path, and the markup is written out).
 */
import { line, scaleLinear } from 'd3';
import type { SweepReport } from '../core/rl/sweep/rank';

/** The best `k` configurations' mean cumulative reward over decisions, as an SVG. */
export function sweepSvg(report: SweepReport, k = 5): string {
  const best = report.ranking.filter((r) => r.curve.length > 0).slice(0, k);
  const width = 720;
  const height = 360;
  const m = { top: 30, right: 20, bottom: 40, left: 70 };
  const points = best[0]?.curve.length ?? 0;
  const x = scaleLinear()
    .domain([0, report.steps])
    .range([m.left, width - m.right]);
  const top = Math.max(1e-9, ...best.flatMap((r) => r.curve));
  const y = scaleLinear()
    .domain([Math.min(0, ...best.flatMap((r) => r.curve)), top])
    .nice()
    .range([height - m.bottom, m.top]);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const path = line<number>()
    .x((_, i) => x(((i + 1) * report.steps) / points))
    .y((v) => y(v));
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const ticks = y
    .ticks(5)
    .map(
      (t) =>
        `<line x1="${m.left}" x2="${width - m.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${m.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    );
  const xTicks = x
    .ticks(5)
    .map(
      (t) =>
        `<text x="${x(t)}" y="${height - m.bottom + 16}" text-anchor="middle">${t.toLocaleString('en')}</text>`,
    );
  const curves = best.map(
    (r, i) =>
      `<path d="${path(r.curve) ?? ''}" fill="none" stroke="${colours[i % colours.length]}" stroke-width="2"/><text x="${m.left + 8}" y="${m.top + 14 * i}" fill="${colours[i % colours.length]}">${i + 1}. ${esc(r.label)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(report.name)}: cumulative reward of the best ${best.length}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...ticks,
    ...xTicks,
    ...curves,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 8}" text-anchor="middle">decisions (of ${report.steps.toLocaleString('en')})</text>`,
    `<text transform="translate(14 ${height / 2}) rotate(-90)" text-anchor="middle">cumulative reward (mean over seeds)</text>`,
    '</svg>',
  ].join('\n');
}
