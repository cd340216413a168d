/** What every bench script reads from its command line, where the repository is, and which python has torch. */
import { spawnSync } from 'node:child_process';
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

/** @returns {string | null} a python3 that can import torch (the PyTorch reference rows), or null */
export function findTorch() {
  for (const python of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const r = spawnSync(/** @type {string} */ (python), ['-c', 'import torch'], {
      stdio: 'ignore',
    });
    if (r.status === 0) return /** @type {string} */ (python);
  }
  return null;
}
