/**
 * Shareable setup links: a lab's settings (seed included, no weights) as a
 * short text for the address, `#/recsys?setup=…`, and back. What comes back
 * is checked like an imported file's settings before any lab sees it.
 */
import { readLabConfig, type ConfigReading } from './lab-configs';
import type { Json, LabKind } from '../store/schema';

/** Longest encoded setup accepted, in characters. */
export const MAX_SETUP_LENGTH = 16_000;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const s = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The settings as text for a link. */
export function encodeSetup(config: Json): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(config)));
}

/** The settings a link carries, checked (with notes on what was dropped); or why they cannot be used. */
export function decodeSetup(lab: LabKind, text: string): ConfigReading {
  const fail = (problem: string): ConfigReading => ({ config: null, problem, notes: [] });
  if (text.length > MAX_SETUP_LENGTH) return fail('the link’s settings are too long');
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(text)));
  } catch {
    return fail('the link’s settings are damaged (was it cut short?)');
  }
  return readLabConfig(lab, config);
}
