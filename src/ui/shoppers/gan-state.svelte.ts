/**
 * Reactive state of the synthetic-shoppers GAN: its settings, the job in the
 * worker, the loss curves, the latest fidelity report and the privacy spent.
 * Snapshots are folded in here; components only read.
 */
import { meanMarginalDistance, type FidelityReport } from '../../core/data/fidelity';
import { BUYER_TASK, buyerColumn, type ShopperFeatures } from '../../core/data/shopper-features';
import {
  TABULAR_PRESET,
  tabularConfigError,
  type TabularGanConfig,
} from '../../core/gan/tabular-config';
import { TABULAR_STATS_PER_STEP, type TabularSnapshot } from '../../core/gan/tabular-snapshot';
import type { FromWorker, JobState } from '../../core/protocol';
import { downsample, type Point } from '../../charts/series';
import { JobControl } from '../common/job-control';
import { StepRate } from '../common/step-rate';
import type { TrainingClient } from '../training-client.svelte';

const MAX_HISTORY = 20_000;
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

export type ShopperGanPhase = JobState | 'idle';

export class ShopperGanState {
  config = $state<TabularGanConfig>({ ...TABULAR_PRESET });
  phase = $state<ShopperGanPhase>('idle');
  step = $state(0);
  message = $state<string | null>(null);
  dLoss = $state.raw<Point[]>([]);
  gLoss = $state.raw<Point[]>([]);
  fidelity = $state.raw<FidelityReport | null>(null);
  privacy = $state.raw<TabularSnapshot['privacy']>(null);
  split = $state.raw<TabularSnapshot['split'] | null>(null);
  /** Column names of the table being learned. */
  names = $state.raw<string[]>([]);
  ranOn = $state('');
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
  stepsPerSecond = $state(0);

  private readonly job: JobControl;
  private readonly rate = new StepRate();

  constructor(client: TrainingClient) {
    this.job = new JobControl(client, 3_000_000); // apart from the other labs' ids
    client.subscribe((msg) => this.receive(msg));
  }

  get configError(): string | null {
    const p = tabularConfigError(this.config);
    return p ? `${p.field} ${p.message}` : null;
  }

  get active(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'paused';
  }

  /** Starts a new run on the accepted shoppers (replacing any job in the worker). */
  start(features: ShopperFeatures): void {
    if (this.configError) return;
    this.forget();
    this.phase = 'starting';
    this.names = features.names;
    this.runSeed = this.config.seed;
    this.runNumber++;
    const condition = this.conditional ? features.segments : null;
    this.segmentNames = condition ? condition.names : null;
    const target = buyerColumn(features.names);
    this.job.start({
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
    this.step = 0;
    this.message = null;
    this.dLoss = [];
    this.gLoss = [];
    this.fidelity = null;
    this.privacy = null;
    this.split = null;
    this.names = [];
    this.runSeed = null;
    this.segmentNames = null;
    this.syntheticLabels = null;
    this.rate.reset();
    this.stepsPerSecond = 0;
  }

  pause(): void {
    this.job.pause();
  }

  resume(): void {
    this.rate.reset();
    this.job.resume();
  }

  stop(): void {
    this.job.stop();
  }

  /** The synthetic shoppers last measured, as CSV with a header row. */
  syntheticCsv(): string | null {
    const f = this.fidelity;
    if (!f) return null;
    const cols = this.names.length;
    const quote = (n: string) => `"${n.replaceAll('"', '""')}"`;
    const labels = this.syntheticLabels;
    const segments = this.segmentNames;
    const header = this.names.map(quote);
    if (labels && segments) header.push('"segment"');
    const lines = [header.join(',')];
    for (let r = 0; r < f.synthetic.length / cols; r++) {
      const row = Array.from(f.synthetic.subarray(r * cols, (r + 1) * cols), (v) => v.toFixed(4));
      if (labels && segments) row.push(quote(segments[labels[r]!]!));
      lines.push(row.join(','));
    }
    return lines.join('\n') + '\n';
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'device-lost') {
      if (this.active) {
        this.phase = 'failed';
        this.message = `Stopped at step ${this.step}: the GPU device was lost (${msg.message}). Press Train to start again on the next backend.`;
      }
      return;
    }
    if (!('jobId' in msg) || msg.jobId !== this.job.jobId) return;
    if (msg.type === 'job-state') {
      this.phase = msg.state;
      if (msg.state !== 'starting') this.step = Math.max(this.step, msg.step);
      this.message = msg.message ?? null;
    } else if (msg.type === 'snapshot' && msg.snapshot.kind === 'tabular-gan') {
      this.fold(msg.snapshot);
    }
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
    const n = s.stats.length / TABULAR_STATS_PER_STEP;
    if (n > 0) {
      const at = (k: number) =>
        Array.from({ length: n }, (_, i) => ({
          x: s.firstStatStep + i + 1,
          y: s.stats[i * TABULAR_STATS_PER_STEP + k]!,
        }));
      const keep = (all: Point[]) =>
        all.length > MAX_HISTORY ? downsample(all, MAX_HISTORY / 2) : all;
      this.dLoss = keep(this.dLoss.concat(at(0)));
      this.gLoss = keep(this.gLoss.concat(at(1)));
    }
    this.privacy = s.privacy;
    if (s.fidelity) {
      this.fidelity = s.fidelity;
      this.syntheticLabels = s.syntheticLabels;
      this.record(s.fidelity);
    }
    this.split = s.split;
    const rate = this.rate.update(s.step, performance.now());
    if (rate !== null) this.stepsPerSecond = rate;
    this.step = s.step;
    this.ranOn = s.backend;
  }
}
