/**
 * JSON that came from outside (a file, a link): plain values only, no key
 * that reaches a prototype when the object is later spread or merged
 * (`__proto__`, `constructor`, `prototype`), a bounded depth, finite numbers.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_JSON_DEPTH = 12;

/** What is wrong with a JSON value from outside, or null. */
export function jsonProblem(value: unknown, depth = 0): string | null {
  if (depth > MAX_JSON_DEPTH) return 'the config nests too deep';
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'a number is not finite';
  if (Array.isArray(value)) {
    for (const x of value) {
      const p = jsonProblem(x, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k)) return `the key "${k}" is not allowed`;
      // A field left undefined: IndexedDB keeps it in a saved session, JSON drops it. Both are fine.
      if (x === undefined) continue;
      const p = jsonProblem(x, depth + 1);
      if (p) return p;
    }
    return null;
  }
  return 'the config holds something that is not JSON';
}
