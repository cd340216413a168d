/**
 * The page's keyboard shortcuts carried out: which key does what is
 * shortcuts.ts's; this acts on the presenter, the open lesson and the lab on
 * screen. Keys typed into a field stay in the field.
 */
import { lessons } from '../lessons/lessons.svelte';
import { presenter } from './presenter.svelte';
import { drive, shortcutFor, type Playable } from './shortcuts';

/** Acts on a key press; `lab` is the lab on screen, or null. */
export function onShortcutKey(e: KeyboardEvent, lab: Playable | null): void {
  if (e.defaultPrevented) return;
  const el = e.target instanceof HTMLElement ? e.target : null;
  const target = {
    tag: el?.tagName ?? 'BODY',
    type: el instanceof HTMLInputElement ? el.type : undefined,
    role: el?.getAttribute('role') ?? null,
    editable: el?.isContentEditable ?? false,
  };
  const action = shortcutFor(e, target, presenter.on);
  // With the list open, only ? (to close it) and Escape (the dialog's own) act.
  if (!action || (presenter.helpOpen && action !== 'help')) return;
  e.preventDefault();
  switch (action) {
    case 'help':
      presenter.helpOpen = !presenter.helpOpen;
      break;
    case 'present':
      presenter.toggle();
      break;
    case 'fullscreen':
      void presenter.toggleFullscreen();
      break;
    case 'reset':
      lab?.start();
      break;
    case 'play-pause':
    case 'step':
    case 'step-10':
      if (lab) drive(lab, action);
      break;
    case 'lesson-next':
      lessons.next();
      break;
    case 'lesson-back':
      lessons.back();
      break;
  }
}
