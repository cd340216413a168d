import { describe, expect, it } from 'vitest';
import {
  commandFor,
  drive,
  shortcutFor,
  type KeyTarget,
  type Playable,
} from '../../../src/ui/presenter/shortcuts';

const body: KeyTarget = { tag: 'BODY' };

describe('shortcutFor', () => {
  it('maps the presenter keys while presenting', () => {
    expect(shortcutFor({ key: ' ' }, body, true)).toBe('play-pause');
    expect(shortcutFor({ key: 'ArrowRight' }, body, true)).toBe('step');
    expect(shortcutFor({ key: 'ArrowRight', shiftKey: true }, body, true)).toBe('step-10');
    expect(shortcutFor({ key: 'R' }, body, true)).toBe('reset');
    expect(shortcutFor({ key: 'f' }, body, true)).toBe('fullscreen');
    expect(shortcutFor({ key: 'PageDown' }, body, true)).toBe('lesson-next');
    expect(shortcutFor({ key: 'b' }, body, true)).toBe('lesson-back');
  });

  it('keeps only help and presenter mode when not presenting', () => {
    expect(shortcutFor({ key: '?' }, body, false)).toBe('help');
    expect(shortcutFor({ key: 'p' }, body, false)).toBe('present');
    for (const key of [' ', 'ArrowRight', 'r', 'f', 'PageDown']) {
      expect(shortcutFor({ key }, body, false)).toBeNull();
    }
  });

  it('leaves keys to the control that uses them', () => {
    for (const tag of ['INPUT', 'TEXTAREA', 'SELECT']) {
      expect(shortcutFor({ key: 'r' }, { tag }, true)).toBeNull();
      expect(shortcutFor({ key: '?' }, { tag }, true)).toBeNull();
    }
    expect(shortcutFor({ key: 'p' }, { tag: 'DIV', editable: true }, true)).toBeNull();
    // Space presses a focused button; arrows move between tabs.
    expect(shortcutFor({ key: ' ' }, { tag: 'BUTTON' }, true)).toBeNull();
    expect(shortcutFor({ key: 'r' }, { tag: 'BUTTON' }, true)).toBe('reset');
    expect(shortcutFor({ key: 'ArrowRight' }, { tag: 'BUTTON', role: 'tab' }, true)).toBeNull();
    expect(shortcutFor({ key: 'ArrowRight' }, { tag: 'BUTTON' }, true)).toBe('step');
  });

  it('ignores keys held with Ctrl, Alt or Meta (browser shortcuts)', () => {
    expect(shortcutFor({ key: 'r', ctrlKey: true }, body, true)).toBeNull();
    expect(shortcutFor({ key: 'f', metaKey: true }, body, true)).toBeNull();
    expect(shortcutFor({ key: 'p', altKey: true }, body, true)).toBeNull();
  });
});

describe('commandFor and drive', () => {
  it('space starts, pauses and resumes by phase', () => {
    expect(commandFor('play-pause', 'idle')).toBe('start');
    expect(commandFor('play-pause', 'stopped')).toBe('start');
    expect(commandFor('play-pause', 'failed')).toBe('start');
    expect(commandFor('play-pause', 'running')).toBe('pause');
    expect(commandFor('play-pause', 'paused')).toBe('resume');
    expect(commandFor('play-pause', 'diverged')).toBe('resume');
    expect(commandFor('play-pause', 'starting')).toBeNull();
  });

  it('a step pauses a running job first, then steps it', () => {
    const calls: string[] = [];
    const lab: Playable = {
      phase: 'running',
      start: () => calls.push('start'),
      pause: () => {
        calls.push('pause');
        lab.phase = 'paused';
      },
      resume: () => calls.push('resume'),
      stepBy: (n) => calls.push(`step ${n}`),
    };
    expect(drive(lab, 'step')).toBe('pause');
    expect(drive(lab, 'step')).toBe('step');
    expect(drive(lab, 'step-10')).toBe('step');
    lab.phase = 'idle';
    expect(drive(lab, 'step')).toBeNull();
    expect(calls).toEqual(['pause', 'step 1', 'step 10']);
  });
});
