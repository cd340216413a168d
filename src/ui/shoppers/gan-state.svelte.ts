/**
 * Reactive state of the synthetic-shoppers GAN: its settings, the job in the
 * worker, the loss curves, the latest fidelity report and the privacy spent.
 * Snapshots are folded in here; components only read.
 */
import { csvText } from '../../core/data/csv';
import { meanMarginalDistance, type FidelityReport } from '../../core/data/fidelity';
import { BUYER_TASK, buyerColumn, type ShopperFeatures } from '../../core/data/shopper-features';
import {
  TABULAR_PRESET,
  tabularConfigError,
  type TabularGanConfig,
} from '../../core/gan/tabular-config';
import { TABULAR_STATS_PER_STEP, type TabularSnapshot } from '../../core/gan/tabular-snapshot';
import { appendCapped, stepColumn, type Point } from '../../charts/series';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import type { TrainingClient } from '../training-client.svelte';

/** Runs kept for the comparison table. */
const MAX_RUNS = 8;

/** One run's latest fidelity in a few numbers, to set privacy settings against fidelity. */
export interface RunSummary {
  run: number;
  /** σ and C, or null without privacy. */
  privacy: { noise: number; clip: number } | null;
  epsilon: number | null;
  step: number;
  distance: number;
  correlationGap: number;
  /** TSTR AUC, or null when it could not be scored. */
  tstr: number | null;
  /** Share of synthetic rows closer to a training row than 95% of held-out rows are. */
  tooClose: number;
}

export class ShopperGanState extends LabRun {
  config = $state<TabularGanConfig>({ ...TABULAR_PRESET });
  dLoss = $state.raw<Point[]>([]);
  gLoss = $state.raw<Point[]>([]);
  fidelity = $state.raw<FidelityReport | null>(null);
  privacy = $state.raw<TabularSnapshot['privacy']>(null);
  split = $state.raw<TabularSnapshot['split'] | null>(null);
  /** Column names of the table being learned. */
  names = $state.raw<string[]>([]);
  /** Condition the GAN on the shoppers' segment, when the log has segments. */
  conditional = $state(true);
  /** The segments the run shown is conditioned on, and each synthetic row's (with `fidelity`). */
  segmentNames = $state.raw<string[] | null>(null);
  syntheticLabels = $state.raw<Int32Array | null>(null);
  /** This log's runs, newest last, each with its latest fidelity. */
  runs = $state.raw<RunSummary[]>([]);
  private runNumber = 0;
  /** The seed of the run shown: it chose the held-out shoppers. */
  runSeed = $state<number | null>(null);

  constructor(client: TrainingClient) {
    super(client, {
      firstJobId: 3_000_000,
      unit: 'step',
      again: 'Press Train to start again',
      stepOnlyGrows: true,
      divergedEnds: true,
    });
  }

  get configError(): string | null {
    const p = tabularConfigError(this.config);
    return p ? `${p.field} ${p.message}` : null;
  }

  /** Starts a new run on the accepted shoppers (replacing any job in the worker). */
  start(features: ShopperFeatures): void {
    if (this.configError) return;
    this.forget();
    this.names = features.names;
    this.runSeed = this.config.seed;
    this.runNumber++;
    const condition = this.conditional ? features.segments : null;
    this.segmentNames = condition ? condition.names : null;
    const target = buyerColumn(features.names);
    this.launchJob({
      kind: 'tabular-gan',
      config: $state.snapshot(this.config),
      data: {
        names: [...features.names],
        values: features.values,
        shares: features.shares,
        task: target < 0 ? null : { target, threshold: BUYER_TASK.threshold },
        condition: condition ? { names: [...condition.names], labels: condition.labels } : null,
      },
    });
  }

  /** Stops any run and forgets it: its views belong to shoppers no longer in use. */
  clear(): void {
    if (this.active) this.job.stop();
    this.job.forget();
    this.forget();
    this.phase = 'idle';
    this.runs = [];
    this.runNumber = 0;
  }

  private forget(): void {
    this.resetRun();
    this.dLoss = [];
    this.gLoss = [];
    this.fidelity = null;
    this.privacy = null;
    this.split = null;
    this.names = [];
    this.runSeed = null;
    this.segmentNames = null;
    this.syntheticLabels = null;
  }

  /** The synthetic shoppers last measured, as CSV with a header row. */
  syntheticCsv(): string | null {
    const f = this.fidelity;
    if (!f) return null;
    const cols = this.names.length;
    const labels = this.syntheticLabels;
    const segments = this.segmentNames;
    const header: string[] = [...this.names];
    if (labels && segments) header.push('segment');
    const rows: (string | number)[][] = [header];
    for (let r = 0; r < f.synthetic.length / cols; r++) {
      const row: (string | number)[] = Array.from(
        f.synthetic.subarray(r * cols, (r + 1) * cols),
        (v) => Number(v.toFixed(4)),
      );
      if (labels && segments) row.push(segments[labels[r]!]!);
      rows.push(row);
    }
    return csvText(rows);
  }

  protected receive(msg: JobMessage): void {
    if (msg.type === 'snapshot' && msg.snapshot.kind === 'tabular-gan') this.fold(msg.snapshot);
  }

  /** Puts the run's latest fidelity into the comparison. */
  private record(f: FidelityReport): void {
    const c = this.config;
    const summary: RunSummary = {
      run: this.runNumber,
      privacy: c.privacy ? { noise: c.noiseMultiplier, clip: c.clipNorm } : null,
      epsilon: this.privacy?.epsilon ?? null,
      step: f.step,
      distance: meanMarginalDistance(f),
      correlationGap: f.correlation.gap,
      tstr: 'problem' in f.tstr ? null : f.tstr.synthetic,
      tooClose: f.memorisation.syntheticTooClose,
    };
    this.runs = [...this.runs.filter((r) => r.run !== summary.run), summary].slice(-MAX_RUNS);
  }

  private fold(s: TabularSnapshot): void {
    if (s.stats.length > 0) {
      const col = (k: number) => stepColumn(s.stats, TABULAR_STATS_PER_STEP, k, s.firstStatStep);
      this.dLoss = appendCapped(this.dLoss, col(0));
      this.gLoss = appendCapped(this.gLoss, col(1));
    }
    this.privacy = s.privacy;
    if (s.fidelity) {
      this.fidelity = s.fidelity;
      this.syntheticLabels = s.syntheticLabels;
      this.record(s.fidelity);
    }
    this.split = s.split;
    this.reached(s.step, s.backend);
  }
}
