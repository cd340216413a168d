/**
 * Reactive state of the recommender lab: the settings, the race in the worker
 * and the histories the charts draw. Snapshots are folded in here; components
 * read and call methods.
 */
import { downsample, fromColumns, toColumns, type Point } from '../../charts/series';
import type { FromWorker, JobState } from '../../core/protocol';
import { AGENT_LABELS, type AgentName } from '../../core/rl/agents/names';
import {
  defaultRecsysConfig,
  labAgent,
  recsysConfigError,
  type ConfigProblem,
  type RecsysConfig,
} from '../../core/rl/lab/config';
import { POINT_STRIDE, type AgentSnapshot, type RecsysSnapshot } from '../../core/rl/lab/snapshot';
import { previewReward, type RewardPreview } from '../../core/rl/lab/reward-preview';
import { compileReward, RewardError } from '../../core/rl/reward/expression';
import type { ShopName } from '../../core/rl/sim/presets';
import type { Json, MetricHistory, SavedRun } from '../../core/store';
import { JobControl } from '../common/job-control';
import { StepRate } from '../common/step-rate';
import { RunRecorder, type RunInfo } from '../sessions/run-recorder.svelte';
import type { SessionsState } from '../sessions/state.svelte';
import type { TrainingClient } from '../training-client.svelte';

const MAX_HISTORY = 20_000;

export type RecsysPhase = JobState | 'idle';

/** The reward as typed: its parse error (with where), another problem, or its preview. */
export interface RewardCheck {
  error: RewardError | null;
  problem: string | null;
  preview: RewardPreview | null;
}

/** The colour of agent i in every chart. */
export const AGENT_COLOURS = [
  'var(--series-1)',
  'var(--series-2)',
  'var(--series-3)',
  'var(--series-4)',
];

/** One agent's curves over decisions. */
export interface AgentCurves {
  label: string;
  reward: Point[];
  regret: Point[];
  ctr: Point[];
  conversion: Point[];
  /** DQN's loss by update. */
  loss: Point[];
}

function emptyCurves(): Omit<AgentCurves, 'label'> {
  return { reward: [], regret: [], ctr: [], conversion: [], loss: [] };
}

/** Each agent's label: its kind, numbered when two agents share one. */
function labelsOf(config: RecsysConfig): string[] {
  return config.agents.map((a, i) =>
    config.agents.filter((b) => b.kind === a.kind).length > 1
      ? `${AGENT_LABELS[a.kind]} #${i + 1}`
      : AGENT_LABELS[a.kind],
  );
}

function cap(points: Point[]): Point[] {
  return points.length > MAX_HISTORY ? downsample(points, MAX_HISTORY / 2) : points;
}

export class RecsysState {
  config = $state<RecsysConfig>(defaultRecsysConfig());
  /** The settings the running race was built with. */
  applied = $state.raw<RecsysConfig | null>(null);
  phase = $state<RecsysPhase>('idle');
  step = $state(0);
  decisions = $state(0);
  message = $state<string | null>(null);
  curves = $state.raw<AgentCurves[]>([]);
  /** The latest view of each agent (funnel, shoppers, arms, Q, DQN). */
  latest = $state.raw<AgentSnapshot[]>([]);
  /** Funnel counts added by the latest snapshot, per agent: what the flow animates. */
  flowDelta = $state.raw<number[][]>([]);
  segmentNames = $state.raw<string[]>([]);
  catalog = $state.raw<{ price: number[]; category: number[] } | null>(null);
  ranOn = $state('');
  stepsPerSecond = $state(0);
  /** Speed cap in rounds per second; 0 = full speed. */
  rateCap = $state(0);
  /** Whose shoppers the flow and the sessions show. */
  watch = $state(0);

  /**
   * The reward checked as it is typed: parsed, then sampled over simulated
   * steps (a few milliseconds), which also catches NaN or ±∞ outcomes.
   */
  readonly rewardCheck: RewardCheck = $derived.by(() => {
    const source = this.config.reward;
    try {
      compileReward(source);
    } catch (e) {
      if (e instanceof RewardError) return { error: e, problem: e.message, preview: null };
      return { error: null, problem: String(e), preview: null };
    }
    // The preview needs a valid shop; the setup panel shows the shop's own problems.
    if (this.configError && this.configError.field !== 'reward')
      return { error: null, problem: null, preview: null };
    try {
      const config = $state.snapshot(this.config) as RecsysConfig;
      return { error: null, problem: null, preview: previewReward(config) };
    } catch (e) {
      return { error: null, problem: e instanceof Error ? e.message : String(e), preview: null };
    }
  });

  /** Autosave of races, and the link to their saved session. */
  readonly recorder: RunRecorder;

  private readonly job: JobControl;
  private readonly rate = new StepRate();

  constructor(
    private readonly client: TrainingClient,
    sessions: SessionsState,
  ) {
    this.job = new JobControl(client, 2_000_000); // apart from the demo's and the GAN's ids
    this.recorder = new RunRecorder(sessions, 'recsys');
    client.subscribe((msg) => this.receive(msg));
    this.recorder.saveWhenHidden(() => {
      if (this.phase === 'running') this.job.checkpoint();
    });
  }

  get configError(): ConfigProblem | null {
    return recsysConfigError(this.config);
  }

  get active(): boolean {
    return (
      this.phase === 'starting' ||
      this.phase === 'running' ||
      this.phase === 'paused' ||
      this.phase === 'diverged'
    );
  }

  /** Loads a shop preset's settings, keeping the seed, reward, agents and synthetic shoppers. */
  selectShop(shop: ShopName): void {
    const { seed, reward, agents, population, synthetic } = this.config;
    this.config = { ...defaultRecsysConfig(shop), seed, reward, agents, population, synthetic };
  }

  addAgent(kind: AgentName): void {
    if (this.config.agents.length >= 4) return;
    this.config.agents.push(labAgent(kind));
  }

  removeAgent(index: number): void {
    if (this.config.agents.length <= 1) return;
    this.config.agents.splice(index, 1);
    if (this.watch >= this.config.agents.length) this.watch = 0;
  }

  /** Changes an agent's kind, with that kind's default hyperparameters. */
  setAgentKind(index: number, kind: AgentName): void {
    this.config.agents[index] = labAgent(kind);
  }

  /** Settings and reward are fit to race. */
  get canStart(): boolean {
    return !this.configError && !this.rewardCheck.problem;
  }

  /** Builds the race from the settings and starts it; the seed is kept, so a reset replays. */
  start(): void {
    if (!this.canStart) return;
    this.clear();
    void this.recorder.newRun();
    const config = $state.snapshot(this.config) as RecsysConfig;
    this.curves = labelsOf(config).map((label) => ({ ...emptyCurves(), label }));
    this.launch(config);
  }

  /** Starts the job, fresh or from a saved state, with autosave on. */
  private launch(config: RecsysConfig, resume?: SavedRun['checkpoint'], paused = false): void {
    this.phase = 'starting';
    this.applied = config;
    if (this.watch >= config.agents.length) this.watch = 0;
    this.job.start({
      kind: 'recsys',
      config,
      ...(resume ? { resume } : {}),
      ...(paused ? { paused } : {}),
    });
    this.job.autosave(this.recorder.everySteps);
    if (this.rateCap > 0) this.setRateCap(this.rateCap);
  }

  /** Shows a saved race (settings and curves) without running it. */
  show(run: SavedRun): void {
    if (this.active) this.stop();
    this.clear();
    const config = structuredClone(run.session.config) as unknown as RecsysConfig;
    this.config = config;
    this.applied = null;
    this.phase = 'idle';
    const m = run.metrics;
    const series = (label: string, what: string) => fromColumns(m[`${label} · ${what}`]);
    this.curves = labelsOf(config).map((label) => ({
      label,
      reward: series(label, 'cumulative reward'),
      regret: series(label, 'cumulative regret'),
      ctr: series(label, 'CTR'),
      conversion: series(label, 'conversion'),
      loss: series(label, 'loss'),
    }));
    this.step = run.session.step;
    this.decisions = run.session.step * config.population;
  }

  /**
   * Continues a saved race exactly where it stopped (racing at once, or
   * paused with `play` false). When another tab holds it, it is only shown.
   */
  async continueRun(run: SavedRun, play = true): Promise<void> {
    this.show(run);
    if (!(await this.recorder.claim(run)) || !run.checkpoint) return;
    this.step = run.checkpoint.step;
    this.launch($state.snapshot(this.config) as RecsysConfig, run.checkpoint, !play);
  }

  /** Autosave cadence, for this and later races. */
  setAutosave(everySteps: number): void {
    this.recorder.setEvery(everySteps);
    if (this.active) this.job.autosave(everySteps);
  }

  /** What the recorder saves with a checkpoint. */
  private runInfo(): RunInfo {
    const config = this.applied ?? this.config;
    return {
      name: `${labelsOf(config).join(' vs ')} · ${config.shop} · seed ${config.seed}`,
      config: $state.snapshot(config) as unknown as Json,
      seed: config.seed,
      backend: this.ranOn || 'unknown',
      metrics: this.metricHistory(),
    };
  }

  /** Save session: the race is kept under its name (and goes on saving as it runs). */
  async keep(): Promise<void> {
    const live = this.active && this.phase !== 'starting';
    await this.recorder.keepRun(this.runInfo(), this.step, live ? this.job : null);
  }

  pause(): void {
    this.job.pause();
  }

  resume(): void {
    this.rate.reset();
    this.job.resume();
  }

  stepBy(rounds: number): void {
    this.job.stepBy(rounds);
  }

  stop(): void {
    this.job.stop();
  }

  setRateCap(roundsPerSecond: number): void {
    this.rateCap = roundsPerSecond;
    this.rate.reset();
    if (this.active)
      this.client.send({
        type: 'throttle',
        jobId: this.job.jobId,
        stepsPerSecond: roundsPerSecond,
      });
  }

  private clear(): void {
    this.step = 0;
    this.decisions = 0;
    this.message = null;
    this.curves = [];
    this.latest = [];
    this.flowDelta = [];
    this.catalog = null;
    this.rate.reset();
    this.stepsPerSecond = 0;
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'device-lost') {
      if (this.active) {
        this.phase = 'failed';
        this.message = `Stopped at round ${this.step}: the GPU device was lost (${msg.message}). Press Reset to race again on the next backend.`;
      }
      return;
    }
    if (!('jobId' in msg) || msg.jobId !== this.job.jobId) return;
    if (this.recorder.receive(msg, () => this.runInfo())) return;
    if (msg.type === 'job-state') {
      this.phase = msg.state;
      if (msg.state !== 'starting') this.step = msg.step;
      this.message = msg.message ?? null;
      if (msg.state === 'running') this.rate.reset();
    } else if (msg.type === 'snapshot' && msg.snapshot.kind === 'recsys') {
      this.fold(msg.snapshot);
    }
  }

  private fold(s: RecsysSnapshot): void {
    const before = this.latest;
    this.flowDelta = s.agents.map((a, i) => {
      const prev = before[i]?.funnel;
      return a.funnel.map((v, k) => v - (prev?.[k] ?? 0));
    });
    this.curves = this.curves.map((c, i) => {
      const a = s.agents[i];
      if (!a) return c;
      const p = a.points;
      const col = (k: number) => {
        const out: Point[] = [];
        for (let j = 0; j < p.length; j += POINT_STRIDE) out.push({ x: p[j]!, y: p[j + k]! });
        return out;
      };
      const loss = a.dqn?.loss.map(([x, y]) => ({ x, y })) ?? [];
      return {
        label: c.label,
        reward: cap(c.reward.concat(col(1))),
        regret: cap(c.regret.concat(col(2))),
        ctr: cap(c.ctr.concat(col(3))),
        conversion: cap(c.conversion.concat(col(4))),
        loss: cap(c.loss.concat(loss)),
      };
    });
    this.latest = s.agents;
    if (s.catalog) this.catalog = s.catalog;
    this.segmentNames = s.segmentNames;
    const rate = this.rate.update(s.step, performance.now());
    if (rate !== null) this.stepsPerSecond = rate;
    this.step = s.step;
    this.decisions = s.decisions;
    this.ranOn = s.backend;
  }

  /** The race's curves as named series, for saving as a session. */
  metricHistory(): MetricHistory {
    const out: MetricHistory = {};
    const put = (name: string, ps: Point[]) => (out[name] = toColumns(ps));
    for (const c of this.curves) {
      put(`${c.label} · cumulative reward`, c.reward);
      put(`${c.label} · cumulative regret`, c.regret);
      put(`${c.label} · CTR`, c.ctr);
      put(`${c.label} · conversion`, c.conversion);
      if (c.loss.length > 0) put(`${c.label} · loss`, c.loss);
    }
    return out;
  }

  /** The finished (or paused) race's curves as CSV: one row per agent and point. */
  toCsv(): string {
    const rows = ['agent,decisions,cumulative_reward,cumulative_regret,ctr,conversion'];
    for (const c of this.curves) {
      c.reward.forEach((p, j) => {
        const cells = [
          JSON.stringify(c.label),
          p.x,
          p.y,
          c.regret[j]?.y ?? '',
          c.ctr[j]?.y ?? '',
          Number.isFinite(c.conversion[j]?.y) ? c.conversion[j]!.y : '',
        ];
        rows.push(cells.join(','));
      });
    }
    return rows.join('\n') + '\n';
  }
}
