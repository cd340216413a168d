/** What every bench script reads from its command line, and where the repository is. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The value after `--name` on the command line, or `fallback`.
 * @param {string} name
 * @param {string} fallback
 * @returns {string}
 */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : undefined) ?? fallback;
}
