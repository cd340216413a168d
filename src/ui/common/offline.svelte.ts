/**
 * Offline use and installation. The built site registers its service worker
 * (vite-plugin-pwa, Workbox precache) here; this says when the app is saved for
 * offline use, when a new version waits, and whether the browser offers to
 * install it as an app.
 */
import { toasts } from './toasts.svelte';

/** Chromium's install prompt; not in lib.dom. */
interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

class Offline {
  /** This page registers a service worker (the built site, in a browser that has them). */
  readonly supported =
    import.meta.env.PROD && typeof navigator !== 'undefined' && 'serviceWorker' in navigator;
  /** Everything the labs need is cached: the app loads and trains with no network. */
  ready = $state(false);
  /** Why the service worker could not be registered, when it could not. */
  refused = $state<string | null>(null);
  /** A newer version is cached and waits for a reload. */
  updateWaiting = $state(false);
  /** The browser offered to install the app (Chromium's beforeinstallprompt). */
  installable = $state(false);
  /** Running as an installed app, in its own window. */
  readonly installed =
    typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches;
  private installPrompt: InstallPromptEvent | null = null;
  private applyUpdate: (() => Promise<void>) | null = null;

  /** Registers the service worker (built site only: dev serves fresh modules). */
  async start(): Promise<void> {
    addEventListener('beforeinstallprompt', (e) => {
      e.preventDefault(); // the footer's button asks instead of the browser's bar
      this.installPrompt = e as InstallPromptEvent;
      this.installable = true;
    });
    addEventListener('appinstalled', () => {
      this.installable = false;
      this.installPrompt = null;
    });
    if (!this.supported) return;
    // A page opened after the first visit is already served by the worker.
    if (navigator.serviceWorker.controller) this.ready = true;
    const { registerSW } = await import('virtual:pwa-register');
    const update = registerSW({
      immediate: true,
      onOfflineReady: () => {
        this.ready = true;
        toasts.push(
          'info',
          'DemandLab is saved on this device: it now opens and trains without a network.',
        );
      },
      onNeedRefresh: () => {
        this.updateWaiting = true;
        toasts.push('info', 'A new version of DemandLab is ready.', {
          label: 'Reload',
          run: () => void this.update(),
        });
      },
      onRegisterError: (e: unknown) => {
        // Private windows and locked-down profiles refuse service workers; the
        // footer says so, without an alarm: everything works while online.
        this.ready = false;
        this.refused = e instanceof DOMException ? e.message : 'the browser refused it';
      },
    });
    this.applyUpdate = () => update(true);
  }

  /** Swaps in the waiting version; the page reloads when it takes over. */
  async update(): Promise<void> {
    await this.applyUpdate?.();
  }

  /** Shows the browser's install dialog, when it offered one. */
  async install(): Promise<void> {
    const prompt = this.installPrompt;
    if (!prompt) return;
    this.installPrompt = null;
    this.installable = false;
    await prompt.prompt();
    const { outcome } = await prompt.userChoice;
    if (outcome === 'accepted')
      toasts.push('info', 'DemandLab is installed: open it from your apps.');
  }
}

/** The app's one offline state. */
export const offline = new Offline();
