/**
 * Presenter mode: large type and thick chart lines for a projector, advanced
 * controls hidden, keyboard shortcuts on. The choice is remembered on this
 * device, so a demo laptop opens ready to present.
 */
import { readDevice, writeDevice } from '../common/device-store';
import { toasts } from '../common/toasts.svelte';

const KEY = 'demandlab.presenter';

class Presenter {
  on = $state(false);
  /** The shortcut list is open. */
  helpOpen = $state(false);
  fullscreen = $state(false);

  constructor() {
    if (typeof document === 'undefined') return;
    this.apply(readDevice(KEY) === 'on');
    document.addEventListener('fullscreenchange', () => {
      this.fullscreen = document.fullscreenElement !== null;
    });
  }

  private apply(on: boolean): void {
    this.on = on;
    document.documentElement.classList.toggle('presenter', on);
  }

  set(on: boolean): void {
    this.apply(on);
    writeDevice(KEY, on ? 'on' : 'off');
    if (!on && document.fullscreenElement) void document.exitFullscreen();
  }

  toggle(): void {
    this.set(!this.on);
  }

  async toggleFullscreen(): Promise<void> {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
    } catch (e) {
      toasts.push(
        'warn',
        `This browser refused full screen (${e instanceof Error ? e.message : String(e)}). Its own full-screen key (often F11) works too.`,
      );
    }
  }
}

/** The app's one presenter state. */
export const presenter = new Presenter();
