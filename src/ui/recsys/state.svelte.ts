/**
 * Reactive state of the recommender lab: the settings, the race in the worker
 * and the histories the charts draw. Snapshots are folded in here; components
 * read and call methods.
 */
import { OpeState } from './ope-state.svelte';
import { csvText } from '../../core/data/csv';
import { appendCapped, fromColumns, toColumns, type Point } from '../../charts/series';
import type { AgentName } from '../../core/rl/agents/names';
import type { LogPrior } from '../../core/rl/agents/log-prior';
import {
  defaultRecsysConfig,
  logRaceConfig,
  demoRaceConfig,
  DEMO_RACE_PACE,
  racerLabels,
  recsysConfigError,
  type ConfigProblem,
  type RecsysConfig,
} from '../../core/rl/lab/config';
import { agentSettings } from '../../core/rl/agents/settings';
import { racePolicyProblem, type RacePolicies } from '../../core/rl/lab/race-policies';
import type { JobState } from '../../core/jobs/job';
import { pointColumn, type AgentSnapshot, type RecsysSnapshot } from '../../core/rl/lab/snapshot';
import { previewReward, type RewardPreview } from '../../core/rl/lab/reward-preview';
import { raceStory, type RaceStory } from '../../core/rl/lab/story';
import { compileReward, RewardError } from '../../core/rl/reward/expression';
import type { ShopName } from '../../core/rl/sim/presets';
import type { Json, MetricHistory, SavedRun } from '../../core/store';
import { LabRun, type JobMessage } from '../common/lab-run.svelte';
import { toasts } from '../common/toasts.svelte';
import { RunRecorder, type RunInfo } from '../sessions/run-recorder.svelte';
import type { SessionsState } from '../sessions/state.svelte';
import type { TrainingClient } from '../training-client.svelte';
import { LogModelState } from './log-model-state.svelte';

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
export class RecsysState extends LabRun {
  config = $state<RecsysConfig>(demoRaceConfig());
  /** The settings the running race was built with. */
  applied = $state.raw<RecsysConfig | null>(null);
  decisions = $state(0);
  curves = $state.raw<AgentCurves[]>([]);
  /** The latest view of each agent (funnel, shoppers, arms, Q, DQN). */
  latest = $state.raw<AgentSnapshot[]>([]);
  /** Funnel counts added by the latest snapshot, per agent: what the flow animates. */
  flowDelta = $state.raw<number[][]>([]);
  segmentNames = $state.raw<string[]>([]);
  catalog = $state.raw<{ price: number[]; category: number[] } | null>(null);
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

  /** Which of the race's agents is the random baseline, by index. */
  private readonly baselines: boolean[] = $derived(
    (this.applied ?? this.config).agents.map((a) => a.kind === 'random'),
  );
  /** The race shown has a random baseline to measure the others against. */
  get hasBaseline(): boolean {
    return this.baselines.some(Boolean);
  }
  /** Whether the leader learned, against the random baseline (null without one, or too early). */
  readonly story: RaceStory | null = $derived(
    raceStory(this.curves.map((c, i) => ({ ...c, baseline: this.baselines[i] ?? false }))),
  );

  /** Autosave of races, and the link to their saved session. */
  readonly recorder: RunRecorder;
  /** The source's recommender models, trained on a log beside the race. */
  readonly models: LogModelState;
  /** Off-policy evaluation: policies judged on a log, beside the race (its agents among them). */
  readonly evaluation = new OpeState({
    problem: () => this.policyProblem,
    policies: () => this.racePolicies(),
  });
  private policyAsk: {
    queryId: number;
    resolve: (p: RacePolicies) => void;
    reject: (e: Error) => void;
  } | null = null;
  private policyQueries = 0;

  constructor(client: TrainingClient, sessions: SessionsState) {
    super(client, { firstJobId: 2_000_000, unit: 'round', again: 'Press Reset to race again' });
    this.recorder = new RunRecorder(sessions, 'recsys');
    this.models = new LogModelState(client, sessions);
    this.rateCap = DEMO_RACE_PACE;
    this.saveRunsWith(this.recorder, () => this.runInfo());
  }

  get configError(): ConfigProblem | null {
    return recsysConfigError(this.config);
  }

  /** Why the race's agents cannot be judged on a log now, or null. */
  get policyProblem(): string | null {
    if (!this.active || !this.applied)
      return 'start a race first: its agents are judged as they are';
    return racePolicyProblem(this.applied);
  }

  /**
   * The race's agents as policies per segment, measured in the worker on a
   * copy of the race (the race itself goes on untouched).
   */
  racePolicies(): Promise<RacePolicies> {
    const problem = this.policyProblem;
    if (problem) return Promise.reject(new Error(problem));
    this.policyAsk?.reject(new Error('asked again'));
    const queryId = ++this.policyQueries;
    return new Promise((resolve, reject) => {
      this.policyAsk = { queryId, resolve, reject };
      this.client.send({ type: 'policies', jobId: this.job.jobId, queryId });
    });
  }

  protected override onState(state: JobState): void {
    // A race that ended cannot answer any more.
    if (state === 'stopped' || state === 'failed') {
      this.policyAsk?.reject(new Error(`the race ${state === 'failed' ? 'failed' : 'stopped'}`));
      this.policyAsk = null;
    }
  }

  /** Loads a shop preset's settings, keeping the seed, reward, agents and synthetic shoppers. */
  selectShop(shop: ShopName): void {
    const { seed, reward, agents, population, synthetic } = this.config;
    this.config = { ...defaultRecsysConfig(shop), seed, reward, agents, population, synthetic };
  }

  addAgent(kind: AgentName): void {
    if (this.config.agents.length >= 4) return;
    this.config.agents.push(agentSettings(kind));
  }

  removeAgent(index: number): void {
    if (this.config.agents.length <= 1) return;
    this.config.agents.splice(index, 1);
    if (this.watch >= this.config.agents.length) this.watch = 0;
  }

  /** Changes an agent's kind, with that kind's default hyperparameters. */
  setAgentKind(index: number, kind: AgentName): void {
    this.config.agents[index] = agentSettings(kind);
  }

  /** Settings and reward are fit to race. */
  get canStart(): boolean {
    return !this.configError && !this.rewardCheck.problem;
  }

  /** Builds the race from the settings and starts it; the seed is kept, so a reset replays. */
  start(): void {
    if (!this.canStart) return;
    this.clearView();
    void this.recorder.newRun();
    const config = $state.snapshot(this.config) as RecsysConfig;
    this.curves = racerLabels(config).map((label) => ({ ...emptyCurves(), label }));
    this.launch(config);
  }

  /**
   * Races what a log taught (CF's tables, the log's sales) in the log's own
   * shop, against Q-learning and random, which start from nothing.
   */
  raceFromLog(prior: LogPrior): void {
    if (this.active) this.stop();
    this.config = logRaceConfig(prior);
    this.start();
  }

  /**
   * Races a sweep's best configurations, from the text of its ranking.json
   * (sweep/to-race.ts), read by the lab's schema like any config from a
   * file. Says in a toast what races, or why nothing does.
   */
  async openSweep(name: string, text: string): Promise<void> {
    const [{ raceFromRanking }, { readLabConfig }] = await Promise.all([
      import('../../core/rl/sweep/to-race'),
      import('../../core/settings/lab-configs'),
    ]);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      toasts.push('error', `“${name}” cannot be opened: it is not JSON.`);
      return;
    }
    const race = raceFromRanking(json);
    const read = race.problem === null ? readLabConfig('recsys', race.config) : race;
    if (race.problem !== null || read.problem !== null) {
      toasts.push('error', `“${name}” cannot be opened: ${read.problem ?? race.problem}.`);
      return;
    }
    if (this.active) this.stop();
    this.config = structuredClone(read.config) as unknown as RecsysConfig;
    this.start();
    const left =
      race.leftOut > 0
        ? ` ${race.leftOut} more ${race.leftOut === 1 ? 'configuration is' : 'configurations are'} left out: a race holds four agents in one shop, with one reward.`
        : '';
    toasts.push(
      'info',
      `Racing the sweep’s best from seed 1 (${race.shop}): ${race.picked.join('; ')}.${left}`,
    );
  }

  /** The home page's demo: the demo race at its pace, from seed 1 unless one is given. */
  demo(seed = 1): void {
    if (this.active) this.stop();
    this.config = { ...demoRaceConfig(), seed };
    this.rateCap = DEMO_RACE_PACE;
    this.start();
  }

  /** Starts the job, fresh or from a saved state, with autosave on. */
  private launch(config: RecsysConfig, resume?: SavedRun['checkpoint'], paused = false): void {
    this.applied = config;
    if (this.watch >= config.agents.length) this.watch = 0;
    this.launchJob({ kind: 'recsys', config }, resume, paused);
  }

  /** Shows a saved race (settings and curves) without running it. */
  show(run: SavedRun): void {
    const config = this.openSaved(run) as RecsysConfig;
    this.config = config;
    this.applied = null;
    const m = run.metrics;
    const series = (label: string, what: string) => fromColumns(m[`${label} · ${what}`]);
    this.curves = racerLabels(config).map((label) => ({
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

  /** What the recorder saves with a checkpoint. */
  private runInfo(): RunInfo {
    const config = this.applied ?? this.config;
    return {
      name: `${racerLabels(config).join(' vs ')} · ${config.shop} · seed ${config.seed}`,
      config: $state.snapshot(config) as unknown as Json,
      seed: config.seed,
      backend: this.ranOn || 'unknown',
      metrics: this.metricHistory(),
    };
  }

  protected override clearView(): void {
    super.clearView();
    this.decisions = 0;
    this.curves = [];
    this.latest = [];
    this.flowDelta = [];
    this.catalog = null;
  }

  protected receive(msg: JobMessage): void {
    if (msg.type === 'snapshot' && msg.snapshot.kind === 'recsys') this.fold(msg.snapshot);
    if (msg.type === 'policies' && msg.queryId === this.policyAsk?.queryId) {
      const ask = this.policyAsk;
      this.policyAsk = null;
      if (msg.policies) ask.resolve(msg.policies);
      else ask.reject(new Error(msg.error ?? 'no answer'));
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
      const col = (k: number) => pointColumn(a.points, k);
      const loss = a.dqn?.loss.map(([x, y]) => ({ x, y })) ?? [];
      return {
        label: c.label,
        reward: appendCapped(c.reward, col(1)),
        regret: appendCapped(c.regret, col(2)),
        ctr: appendCapped(c.ctr, col(3)),
        conversion: appendCapped(c.conversion, col(4)),
        loss: appendCapped(c.loss, loss),
      };
    });
    this.latest = s.agents;
    if (s.catalog) this.catalog = s.catalog;
    this.segmentNames = s.segmentNames;
    this.reached(s.step, s.backend);
    this.decisions = s.decisions;
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
    const rows: (string | number)[][] = [
      ['agent', 'decisions', 'cumulative_reward', 'cumulative_regret', 'ctr', 'conversion'],
    ];
    for (const c of this.curves)
      c.reward.forEach((p, j) =>
        rows.push([
          c.label,
          p.x,
          p.y,
          c.regret[j]?.y ?? '',
          c.ctr[j]?.y ?? '',
          c.conversion[j]?.y ?? '',
        ]),
      );
    return csvText(rows);
  }
}
