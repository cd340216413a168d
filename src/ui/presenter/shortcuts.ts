/**
 * Keyboard shortcuts for presenting a lab: which key means what, and what it
 * does to the running job. Pure, so the rules are tested in node; App.svelte
 * listens for keys and calls the lab.
 */
import type { JobState } from '../../core/protocol';

export type Shortcut =
  | 'play-pause'
  | 'step'
  | 'step-10'
  | 'reset'
  | 'fullscreen'
  | 'help'
  | 'present'
  | 'lesson-next'
  | 'lesson-back';

/** What the help dialog lists, in order. */
export const SHORTCUTS: readonly { keys: readonly string[]; action: Shortcut; what: string }[] = [
  { keys: ['Space'], action: 'play-pause', what: 'Start, pause or resume training' },
  { keys: ['→'], action: 'step', what: 'Pause, then one step (one round in the recommender lab)' },
  { keys: ['Shift', '→'], action: 'step-10', what: 'Ten steps' },
  { keys: ['R'], action: 'reset', what: 'Start again from the settings (the old run stays saved)' },
  { keys: ['F'], action: 'fullscreen', what: 'Full screen on or off' },
  { keys: ['N', 'Page Down'], action: 'lesson-next', what: 'Next step of the open lesson' },
  { keys: ['B', 'Page Up'], action: 'lesson-back', what: 'Previous step of the open lesson' },
  { keys: ['P'], action: 'present', what: 'Presenter mode on or off' },
  { keys: ['?'], action: 'help', what: 'This list' },
];

/** The focused element, as far as shortcuts care. */
export interface KeyTarget {
  tag: string;
  /** An input's type. */
  type?: string;
  role?: string | null;
  editable?: boolean;
}

export interface KeyPress {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** Keys the focused control uses itself: typing, choosing, and its own arrows. */
function ownedByTarget(key: string, t: KeyTarget): boolean {
  const tag = t.tag.toUpperCase();
  if (t.editable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return true;
  const activates = tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || t.role === 'button';
  if (key === ' ' && activates) return true;
  const arrows = ['tab', 'radio', 'slider', 'menuitem', 'option', 'listbox'];
  return key.startsWith('Arrow') && arrows.includes(t.role ?? '');
}

/**
 * The shortcut a key press means, or null. `?` and P work everywhere; the
 * rest only while presenting, so a student typing or scrolling is never
 * taken by surprise.
 */
export function shortcutFor(
  press: KeyPress,
  target: KeyTarget,
  presenting: boolean,
): Shortcut | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  if (ownedByTarget(press.key, target)) return null;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (key === '?') return 'help';
  if (key === 'p') return 'present';
  if (!presenting) return null;
  switch (key) {
    case ' ':
      return 'play-pause';
    case 'ArrowRight':
      return press.shiftKey ? 'step-10' : 'step';
    case 'r':
      return 'reset';
    case 'f':
      return 'fullscreen';
    case 'n':
    case 'PageDown':
      return 'lesson-next';
    case 'b':
    case 'PageUp':
      return 'lesson-back';
    default:
      return null;
  }
}

/** A lab's job as the shortcuts drive it. */
export interface Playable {
  phase: JobState | 'idle';
  start(): void;
  pause(): void;
  resume(): void;
  stepBy(steps: number): void;
}

/** What a play or step key does in a phase. */
export type PlayCommand = 'start' | 'pause' | 'resume' | 'step' | null;

export function commandFor(
  action: 'play-pause' | 'step' | 'step-10',
  phase: Playable['phase'],
): PlayCommand {
  if (action === 'play-pause') {
    if (phase === 'running') return 'pause';
    if (phase === 'paused' || phase === 'diverged') return 'resume';
    if (phase === 'starting') return null;
    return 'start';
  }
  // Stepping needs a job that is held: the first press on a running job pauses it.
  if (phase === 'running') return 'pause';
  if (phase === 'paused') return 'step';
  return null;
}

/** Runs a play or step shortcut on a lab. */
export function drive(lab: Playable, action: 'play-pause' | 'step' | 'step-10'): PlayCommand {
  const command = commandFor(action, lab.phase);
  if (command === 'step') lab.stepBy(action === 'step-10' ? 10 : 1);
  else if (command) lab[command]();
  return command;
}
