/**
 * The open lesson and the learner's progress through all of them. Progress is
 * kept in localStorage, so a lesson reopens where it was left, in any later
 * visit on this device.
 */
import { lessonById, type Lesson } from '../../core/lessons/lessons';
import { atStep, finished, parseProgress, type Progress } from '../../core/lessons/progress';
import { readDevice, writeDevice } from '../common/device-store';
import { toasts } from '../common/toasts.svelte';

const KEY = 'demandlab.lessons';

const load = (): Progress => parseProgress(readDevice(KEY));

class Lessons {
  progress = $state.raw<Progress>(load());
  /** The lesson on screen and its step, or null. */
  open = $state.raw<{ lesson: Lesson; step: number } | null>(null);

  private save(p: Progress): void {
    this.progress = p;
    writeDevice(KEY, JSON.stringify(p));
  }

  /** Opens a lesson at the step it was left on. */
  begin(id: string): void {
    const lesson = lessonById(id);
    if (!lesson) return;
    this.go(lesson, this.progress[id]?.step ?? 0);
  }

  private go(lesson: Lesson, step: number): void {
    this.save(atStep(this.progress, lesson, step));
    this.open = { lesson, step: this.progress[lesson.id]!.step };
  }

  next(): void {
    const o = this.open;
    if (!o) return;
    if (o.step + 1 < o.lesson.steps.length) this.go(o.lesson, o.step + 1);
    else this.finish();
  }

  back(): void {
    const o = this.open;
    if (o && o.step > 0) this.go(o.lesson, o.step - 1);
  }

  /** Marks the open lesson done and closes it. */
  finish(): void {
    const o = this.open;
    if (!o) return;
    this.save(finished(this.progress, o.lesson));
    this.open = null;
    toasts.push('info', `Lesson done: “${o.lesson.title}”. Your progress is kept in Lessons.`);
  }

  /** Closes the lesson; it reopens at this step. */
  close(): void {
    this.open = null;
  }
}

/** The app's one lessons state. */
export const lessons = new Lessons();
