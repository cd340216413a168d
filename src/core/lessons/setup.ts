/** Turns a lesson step's setup into the full settings of its lab. */
import { presetFor, type GanConfig } from '../gan/config';
import { defaultRecsysConfig, type RecsysConfig } from '../rl/lab/config';
import { agentSettings } from '../rl/agents/settings';
import { LOG_MODEL_PRESET, type LogModelConfig } from '../rl/models/log-model-config';
import { OPE_DEFAULTS, type OpeSettings } from '../rl/ope/request';
import type {
  GanLessonSetup,
  LessonSetup,
  LogModelLessonSetup,
  OpeLessonSetup,
  RecsysLessonSetup,
} from './lesson';

/** A setup that carries settings of its own (a race from a log takes its settings from the model). */
export type ConfiguredSetup = Exclude<LessonSetup, { lab: 'log-race' }>;

/** The full lab settings a setup stands for: the lab's defaults with the lesson's settings over them. */
export function lessonConfig(setup: GanLessonSetup): GanConfig;
export function lessonConfig(setup: RecsysLessonSetup): RecsysConfig;
export function lessonConfig(setup: LogModelLessonSetup): LogModelConfig;
export function lessonConfig(setup: OpeLessonSetup): OpeSettings;
export function lessonConfig(
  setup: ConfiguredSetup,
): GanConfig | RecsysConfig | LogModelConfig | OpeSettings;
export function lessonConfig(
  setup: ConfiguredSetup,
): GanConfig | RecsysConfig | LogModelConfig | OpeSettings {
  if (setup.lab === 'gan') return { ...presetFor(setup.model), ...setup.config };
  if (setup.lab === 'log-model') return { ...LOG_MODEL_PRESET, ...setup.config };
  if (setup.lab === 'ope') return structuredClone({ ...OPE_DEFAULTS, ...setup.settings });
  return {
    ...defaultRecsysConfig(setup.shop),
    ...setup.config,
    agents: setup.agents.map((a) => ({ ...agentSettings(a.kind), ...a.tune })),
  };
}
