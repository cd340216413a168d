/**
 * What a lesson is: steps of text and formulas over a live lab, each step
 * optionally with the settings to load. Only types are imported, so the
 * lesson texts load without the labs' code.
 */
import type { GanConfig, GanModelKind } from '../gan/config';
import type { AgentName } from '../rl/agents/names';
import type { RecsysConfig } from '../rl/lab/config';
import type { LogModelConfig } from '../rl/models/log-model-config';
import type { AgentSettings } from '../rl/agents/settings';
import type { ShopName } from '../rl/sim/presets';
import type { OpeSettings } from '../rl/ope/request';

export interface GanLessonSetup {
  lab: 'gan';
  model: GanModelKind;
  /** Settings over the model's preset. */
  config?: Partial<Omit<GanConfig, 'model'>>;
  /** Start training once loaded. */
  start: boolean;
}

export interface RecsysLessonSetup {
  lab: 'recsys';
  shop?: ShopName;
  /** The agents that race, each from its defaults with `tune` over them. */
  agents: readonly { kind: AgentName; tune?: Partial<Omit<AgentSettings, 'kind'>> }[];
  /** Settings over the shop's defaults. */
  config?: Partial<Omit<RecsysConfig, 'shop' | 'agents' | 'synthetic'>>;
  /** Start the race once loaded. */
  start: boolean;
}

/** Trains one of the source's recommender models on a log (the models panel under the race). */
export interface LogModelLessonSetup {
  lab: 'log-model';
  /** Settings over the panel's preset. */
  config: Partial<LogModelConfig>;
  /** Start training once loaded. */
  start: boolean;
}

/**
 * Races what the model trained in an earlier step learned from its log
 * (the panel's "Race CF against Q-learning"); refused, with the reason,
 * until that model has finished an epoch.
 */
export interface LogRaceLessonSetup {
  lab: 'log-race';
}

/** Judges policies on a log ("Evaluate on a log", beside the race). */
export interface OpeLessonSetup {
  lab: 'ope';
  /** Settings over the form's defaults. */
  settings: Partial<OpeSettings>;
  /** Evaluate once loaded. */
  start: boolean;
}

export type LessonSetup =
  GanLessonSetup | RecsysLessonSetup | LogModelLessonSetup | LogRaceLessonSetup | OpeLessonSetup;

export interface LessonStep {
  title: string;
  /** Paragraphs. */
  text: readonly string[];
  /** Display formulas, in TeX, shown after the text. */
  tex?: readonly string[];
  /** What the learner should look at on the lab once the step is set up. */
  look?: string;
  setup?: LessonSetup;
  /** The setup button's label. */
  action?: string;
}

export interface Lesson {
  id: string;
  title: string;
  topic: 'gan' | 'rl';
  /** One line for the lesson list. */
  summary: string;
  steps: readonly LessonStep[];
}
