import { toasts } from './toasts.svelte';

/**
 * Copies a link to this app at `hash` (a route with its query) and says so;
 * where the clipboard is refused, the link is shown to copy by hand.
 */
export async function copyLink(hash: string): Promise<void> {
  const url = `${location.origin}${location.pathname}${location.search}${hash}`;
  try {
    await navigator.clipboard.writeText(url);
    toasts.push('info', 'Copied a link to these settings: it opens this setup, seed included.');
  } catch {
    toasts.push('info', `Link to these settings: ${url}`);
  }
}
