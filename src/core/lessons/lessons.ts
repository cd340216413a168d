/**
 * The guided lessons: short sequences of steps over a live lab. Each step has
 * text, formulas (TeX, rendered by KaTeX) and, where it needs the lab in a
 * given state, a setup: the settings to load and whether to start. Plain data,
 * checked in node (tests/unit/lessons/lessons.test.ts): every setup is a valid lab
 * config and every formula renders. Only types are imported: the page loads
 * the labs' settings code (setup.ts) when a step is set up.
 */
import { WHAT_A_GAN_IS, ARTICLE_BUGS, MODE_COLLAPSE } from './gan-lessons';
import type { Lesson } from './lesson';
import { LOG_TO_RECOMMENDER } from './log-lessons';
import { JUDGE_ON_A_LOG } from './ope-lessons';
import { EXPLORE_EXPLOIT, Q_TO_DQN, DESIGN_REWARD } from './rl-lessons';

export type {
  GanLessonSetup,
  Lesson,
  LessonSetup,
  LessonStep,
  LogModelLessonSetup,
  RecsysLessonSetup,
} from './lesson';

export const LESSONS: readonly Lesson[] = [
  WHAT_A_GAN_IS,
  ARTICLE_BUGS,
  MODE_COLLAPSE,
  EXPLORE_EXPLOIT,
  Q_TO_DQN,
  DESIGN_REWARD,
  LOG_TO_RECOMMENDER,
  JUDGE_ON_A_LOG,
];

export function lessonById(id: string): Lesson | null {
  return LESSONS.find((l) => l.id === id) ?? null;
}
