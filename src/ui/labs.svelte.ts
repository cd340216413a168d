/**
 * The labs together: each lab's state, made once for the page's one training
 * client, and what crosses from one view to another: a saved session opened
 * in its lab, a shared setup link, a lesson step setting its lab up,
 * synthetic shoppers served in the recommender lab. The recommender and
 * synthetic-shoppers labs load on their first visit and keep their state.
 */
import type { GanConfig } from '../core/gan/config';
import type { LessonSetup } from '../core/lessons/lessons';
import type { OpeLessonSetup } from '../core/lessons/lesson';
import type { RecsysConfig, SyntheticPopulation } from '../core/rl/lab/config';
import type { OwnLog } from '../core/rl/models/log-source';
import type { Json, SessionSummary } from '../core/store';
import { toasts } from './common/toasts.svelte';
import { DemoState } from './demo/state.svelte';
import { GanState } from './gan/state.svelte';
import { lessons } from './lessons/lessons.svelte';
import { LAB_WORDS } from './sessions/lab-words';
import type { Playable } from './presenter/shortcuts';
import type { RecsysState } from './recsys/state.svelte';
import type { RoutePath } from './router.svelte';
import { SessionsState } from './sessions/state.svelte';
import type { ShoppersState } from './shoppers/state.svelte';
import type { TrainingClient } from './training-client.svelte';

type RecsysLoad = {
  RecsysLab: typeof import('./recsys/RecsysLab.svelte').default;
  lab: RecsysState;
};

export class Labs {
  readonly demo: DemoState;
  readonly sessions = new SessionsState();
  readonly gan: GanState;
  /** Set once the recommender lab has loaded. */
  recsys: RecsysState | null = null;
  private shoppers: ShoppersState | null = null;
  private recsysLoad: Promise<RecsysLoad> | null = null;

  constructor(private readonly client: TrainingClient) {
    this.demo = new DemoState(client);
    this.gan = new GanState(client, this.sessions);
  }

  /** The recommender lab's view and its state (made on the first call, kept after). */
  loadRecsys = (): Promise<RecsysLoad> => {
    this.recsysLoad ??= Promise.all([
      import('./recsys/state.svelte'),
      import('./recsys/RecsysLab.svelte'),
    ]).then(([{ RecsysState }, { default: RecsysLab }]) => {
      this.recsys ??= new RecsysState(this.client, this.sessions);
      return { RecsysLab, lab: this.recsys };
    });
    this.recsysLoad.catch(() => (this.recsysLoad = null)); // a failed load may be retried
    return this.recsysLoad;
  };

  /** The synthetic-shoppers lab's view and its state (the log read is kept). */
  loadShoppers = async () => {
    const [{ ShoppersState }, { default: ShoppersLab }] = await Promise.all([
      import('./shoppers/state.svelte'),
      import('./shoppers/ShoppersLab.svelte'),
    ]);
    this.shoppers ??= new ShoppersState(this.client);
    return { ShoppersLab, state: this.shoppers };
  };

  /** The home page's demos: each opens its lab and starts a ready run there. */
  demoGan = (): void => {
    location.hash = '#/gan';
    this.gan.demo();
  };

  demoRace = async (): Promise<void> => {
    const { lab } = await this.loadRecsys();
    location.hash = '#/recsys';
    lab.demo();
  };

  demoShoppers = async (): Promise<void> => {
    const { state } = await this.loadShoppers();
    location.hash = '#/shoppers';
    await state.demo();
  };

  /** Some lab has a job in the worker. */
  get anyActive(): boolean {
    return this.demo.active || this.gan.active || (this.recsys?.active ?? false);
  }

  /** The lab on screen at `path` that the presenter keys drive. */
  onScreen(path: RoutePath): Playable | null {
    if (path === '/check') return this.demo;
    if (path === '/gan') return this.gan;
    if (path === '/recsys') return this.recsys;
    return null;
  }

  /**
   * Puts checked settings into their lab (stopping a run there); training
   * then starts again from their seed. The demo has no saved settings.
   */
  async applySettings(lab: 'gan' | 'recsys', config: Json): Promise<void> {
    if (lab === 'recsys') {
      const { lab: state } = await this.loadRecsys();
      if (state.active) state.stop();
      state.config = structuredClone(config) as unknown as RecsysConfig;
    } else {
      if (this.gan.active) this.gan.stop();
      this.gan.config = structuredClone(config) as unknown as GanConfig;
    }
  }

  /** Offers a log read under Shoppers to the recommender lab's models panel, and shows it there. */
  trainModelsOn = async (own: OwnLog): Promise<void> => {
    const { lab } = await this.loadRecsys();
    lab.models.useOwnLog(own);
    location.hash = '#/recsys';
    scrollToWhenShown('log-model-title');
    toasts.push('info', `“${own.name}” is the log to train on: pick a model and press Train.`);
  };

  /** Offers a log read under Shoppers to "Evaluate on a log" (and the models panel), and shows it there. */
  evaluateOn = async (own: OwnLog): Promise<void> => {
    const { lab } = await this.loadRecsys();
    lab.models.useOwnLog(own);
    if (!lab.evaluation.running) lab.evaluation.settings.source = 'own';
    location.hash = '#/recsys';
    scrollToWhenShown('ope-title');
    toasts.push('info', `“${own.name}” is the log to judge on: pick policies and press Evaluate.`);
  };

  /** Makes synthetic shoppers the recommender lab's population, from its next race. */
  serveInRecsys = async (population: SyntheticPopulation): Promise<void> => {
    const { lab } = await this.loadRecsys();
    lab.config.synthetic = population;
    location.hash = '#/recsys';
    const n = (population.values.length / population.names.length).toLocaleString();
    toasts.push(
      'info',
      `${n} synthetic shoppers will arrive in the recommender lab: press ${lab.active ? 'Reset' : 'Race'} to race with them.`,
    );
  };

  /** Opens a saved session's settings in its lab. */
  openSession = async (s: SessionSummary): Promise<void> => {
    const { readLabConfig } = await import('../core/settings/lab-configs');
    const read = readLabConfig(s.lab, s.config);
    if (read.problem !== null) {
      toasts.push('error', `“${s.name}” cannot be opened: ${read.problem}`);
      return;
    }
    for (const note of read.notes) toasts.push('warn', `“${s.name}”: ${note}`);
    if (s.lab === 'demo') {
      toasts.push('warn', 'Sessions of the start demo cannot be opened yet.');
      return;
    }
    if (s.lab === 'log-model') return this.openModelRun(s, read.config);
    if (s.checkpointId) {
      // A run with its training state: show it, and continue it here unless another tab has it.
      const lab = s.lab === 'gan' ? this.gan : (await this.loadRecsys()).lab;
      const run = await lab.recorder.load(s.id);
      if (!run) return;
      run.session.config = read.config;
      location.hash = `#/${s.lab}`;
      await lab.continueRun(run, false);
      const { unit } = LAB_WORDS[s.lab];
      if (!lab.recorder.readOnly)
        toasts.push(
          'info',
          `Opened “${s.name}” at ${unit} ${s.step.toLocaleString()}: press Play to continue it.`,
        );
      return;
    }
    await this.applySettings(s.lab, read.config);
    location.hash = `#/${s.lab}`;
    const start = s.lab === 'recsys' ? 'Race' : 'Train';
    toasts.push(
      'info',
      `Opened the settings of “${s.name}”: press ${start} to run it again from its seed.`,
    );
  };

  /**
   * Opens a model run on a log in the recommender lab's models panel: with
   * its training state, ready to continue (the race stops: the worker runs
   * one job); without, its settings and measurements.
   */
  private async openModelRun(s: SessionSummary, config: Json): Promise<void> {
    const { lab } = await this.loadRecsys();
    const run = await lab.models.recorder.load(s.id);
    if (!run) return;
    run.session.config = config;
    location.hash = '#/recsys';
    scrollToWhenShown('log-model-title');
    if (!run.checkpoint) {
      lab.models.show(run);
      toasts.push(
        'info',
        `Opened “${s.name}”: its settings and measurements. Press Train to run it again from its seed.`,
      );
      return;
    }
    if (lab.active) lab.stop();
    await lab.models.continueRun(run, false);
    if (lab.models.active && !lab.models.recorder.readOnly)
      toasts.push(
        'info',
        `Opened “${s.name}” at step ${s.step.toLocaleString()}: press Play to train on.`,
      );
  }

  /** Applies a shared setup link's settings (#/recsys?setup=…) to its lab. */
  async applySetupLink(path: RoutePath, query: string): Promise<void> {
    // Read once, never kept: nothing reactive depends on it.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const text = new URLSearchParams(query).get('setup');
    const lab = path === '/recsys' ? 'recsys' : path === '/gan' ? 'gan' : null;
    if (!text || !lab) return;
    const { decodeSetup } = await import('../core/settings/share');
    const read = decodeSetup(lab, text);
    if (read.problem !== null) {
      toasts.push('error', `This link’s settings cannot be used: ${read.problem}`);
      return;
    }
    await this.applySettings(lab, read.config);
    toasts.push(
      read.notes.length > 0 ? 'warn' : 'info',
      ['Loaded the settings from the link: start to run them from their seed.', ...read.notes].join(
        ' ',
      ),
    );
  }

  /** Opens a lesson beside its lab. */
  beginLesson = (id: string): void => {
    lessons.begin(id);
    if (lessons.open) location.hash = lessons.open.lesson.topic === 'gan' ? '#/gan' : '#/recsys';
  };

  /** Loads a lesson step's settings into its lab (stopping a run there), and starts it if asked. */
  setUpLesson = async (setup: LessonSetup): Promise<void> => {
    if (setup.lab === 'log-race') return this.raceLessonLog();
    if (setup.lab === 'ope') return this.evaluateForLesson(setup);
    const [{ lessonConfig }, { readLabConfig }, { logModelConfigError }] = await Promise.all([
      import('../core/lessons/setup'),
      import('../core/settings/lab-configs'),
      import('../core/rl/models/log-model-config'),
    ]);
    if (setup.lab === 'log-model') {
      const config = lessonConfig(setup);
      const problem = logModelConfigError(config);
      if (problem) {
        toasts.push(
          'error',
          `This step’s settings cannot be used: ${problem.field} ${problem.message}.`,
        );
        return;
      }
      const { lab } = await this.loadRecsys();
      location.hash = '#/recsys';
      // The race stops too: the model trains alone, at full speed.
      if (lab.active) lab.stop();
      if (lab.models.active) lab.models.stop();
      lab.models.config = config;
      if (setup.start) lab.models.start();
      scrollToWhenShown('log-model-title');
      return;
    }
    // A lesson's settings pass the same schema as a link's (tests hold every step to it).
    const read = readLabConfig(setup.lab, lessonConfig(setup));
    if (read.problem !== null) {
      toasts.push('error', `This step’s settings cannot be used: ${read.problem}`);
      return;
    }
    if (setup.lab === 'gan') {
      location.hash = '#/gan';
      this.gan.selectModel(setup.model); // stops a run, shows the model's tab
      if (this.gan.active) this.gan.stop();
      this.gan.config = read.config as unknown as GanConfig;
      if (setup.start) this.gan.start();
    } else {
      const { lab } = await this.loadRecsys();
      location.hash = '#/recsys';
      if (lab.active) lab.stop();
      lab.config = read.config as unknown as RecsysConfig;
      if (setup.start) lab.start();
    }
  };

  /** Loads a lesson step's settings into "Evaluate on a log", and evaluates if asked. */
  private async evaluateForLesson(setup: OpeLessonSetup): Promise<void> {
    const [{ lessonConfig }, { opeSettingsRequest }] = await Promise.all([
      import('../core/lessons/setup'),
      import('../core/rl/ope/request'),
    ]);
    const settings = lessonConfig(setup);
    const { lab } = await this.loadRecsys();
    const problem = opeSettingsRequest(settings, lab.models.ownLog, null);
    if (typeof problem === 'string') {
      toasts.push('error', `This step’s settings cannot be used: ${problem}.`);
      return;
    }
    location.hash = '#/recsys';
    lab.evaluation.settings = settings;
    lab.evaluation.policyFile = null;
    if (setup.start) void lab.evaluation.run(lab.models.ownLog);
    scrollToWhenShown('ope-title');
  }

  /** Races what the models panel's model learned from its log, or says what to do first. */
  private async raceLessonLog(): Promise<void> {
    const { lab } = await this.loadRecsys();
    location.hash = '#/recsys';
    const prior = lab.models.prior;
    if (!prior) {
      const training = lab.models.active;
      toasts.push(
        'warn',
        training
          ? 'The model has not finished its first epoch yet: race it once the table under “Train them here” has a row.'
          : 'There is no trained model to race yet: set up the step that trains it, and wait for the table under “Train them here” to show its first epoch.',
      );
      scrollToWhenShown('log-model-title');
      return;
    }
    lab.raceFromLog(prior);
    scrollToWhenShown('recsys-title');
  }
}

/** Scrolls to the element with this id once the view that holds it is on the page (within about a second). */
function scrollToWhenShown(id: string, frames = 60): void {
  const el = document.getElementById(id);
  if (el) el.scrollIntoView({ block: 'start' });
  else if (frames > 0) requestAnimationFrame(() => scrollToWhenShown(id, frames - 1));
}
