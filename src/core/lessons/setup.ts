/** Turns a lesson step's setup into the full settings of its lab. */
import { presetFor, type GanConfig } from '../gan/config';
import { defaultRecsysConfig, type RecsysConfig } from '../rl/lab/config';
import { agentSettings } from '../rl/agents/settings';
import type { GanLessonSetup, LessonSetup, RecsysLessonSetup } from './lessons';

/** The full lab settings a setup stands for: the lab's defaults with the lesson's settings over them. */
export function lessonConfig(setup: GanLessonSetup): GanConfig;
export function lessonConfig(setup: RecsysLessonSetup): RecsysConfig;
export function lessonConfig(setup: LessonSetup): GanConfig | RecsysConfig;
export function lessonConfig(setup: LessonSetup): GanConfig | RecsysConfig {
  if (setup.lab === 'gan') return { ...presetFor(setup.model), ...setup.config };
  return {
    ...defaultRecsysConfig(setup.shop),
    ...setup.config,
    agents: setup.agents.map((a) => ({ ...agentSettings(a.kind), ...a.tune })),
  };
}
