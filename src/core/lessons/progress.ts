/**
 * How far the learner got in each lesson, kept on this device (localStorage)
 * as JSON. Reading is forgiving: a corrupt or outdated record loses only the
 * entries that no longer make sense, never the app.
 */
import { lessonById, type Lesson } from './lessons';

export interface LessonProgress {
  /** The step to reopen at (0-based). */
  step: number;
  /** The learner reached the end at least once. */
  done: boolean;
}

export type Progress = Readonly<Record<string, LessonProgress>>;

/** Progress from its stored text; unknown lessons and impossible steps are dropped. */
export function parseProgress(text: string | null): Progress {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, LessonProgress> = {};
  for (const [id, value] of Object.entries(raw)) {
    const lesson = lessonById(id);
    if (!lesson || typeof value !== 'object' || value === null) continue;
    const { step, done } = value as Record<string, unknown>;
    if (!Number.isInteger(step) || typeof done !== 'boolean') continue;
    out[id] = { step: Math.min(Math.max(0, step as number), lesson.steps.length - 1), done };
  }
  return out;
}

/** Progress with the learner at `step` of `lesson` (clamped to its steps). */
export function atStep(p: Progress, lesson: Lesson, step: number): Progress {
  const clamped = Math.min(Math.max(0, Math.trunc(step)), lesson.steps.length - 1);
  return { ...p, [lesson.id]: { step: clamped, done: p[lesson.id]?.done ?? false } };
}

/** Progress with `lesson` finished; it reopens at its first step. */
export function finished(p: Progress, lesson: Lesson): Progress {
  return { ...p, [lesson.id]: { step: 0, done: true } };
}

/** What the lesson list says about a lesson. */
export function progressLine(p: Progress, lesson: Lesson): string {
  const entry = p[lesson.id];
  if (!entry) return 'Not started';
  if (entry.done) return 'Done';
  return `Step ${entry.step + 1} of ${lesson.steps.length}`;
}
