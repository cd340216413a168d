/**
 * What the command-line tools share: reading options, stopping with a
 * reason, loading the app's own TypeScript through Vite's module runner,
 * and bringing up tfjs (its JS or WASM backend) for the agents with networks.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The options of `argv` for the tool `tool`: `arg` reads `--name value`,
 * `all` every value of a repeatable one, `whole` a whole number, `flag` a
 * bare switch, and `fail` stops with the reason and status 2.
 * @param {string} tool @param {string[]} argv
 */
export function options(tool, argv) {
  /** @param {string} message @returns {never} */
  const fail = (message) => {
    console.error(`${tool}: ${message}`);
    process.exit(2);
  };
  /** @param {string} name @returns {string | undefined} */
  const arg = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  /** @param {string} name @returns {string[]} */
  const all = (name) =>
    argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] ? [argv[i + 1]] : []));
  /** @param {string} name @param {string} fallback @returns {number} */
  const whole = (name, fallback) => {
    const v = Number(arg(name) ?? fallback);
    if (!Number.isSafeInteger(v)) fail(`--${name} must be a whole number`);
    return v;
  };
  /** @param {string} name */
  const flag = (name) => argv.includes(`--${name}`);
  return { arg, all, whole, flag, fail };
}

/** A loader of the app's modules by their path from the repository's root ('/src/…'). */
export async function moduleLoader() {
  const { runnerImport } = await import('vite');
  /** @param {string} path */
  return async (path) =>
    (await runnerImport(path, { root, configFile: false, logLevel: 'warn' })).module;
}

/**
 * Brings tfjs up on `backend` ('wasm' or 'cpu') for DQN's network.
 * @param {string} backend
 */
export async function startTfjs(backend) {
  const tf = await import('@tensorflow/tfjs');
  // tfjs greets node users with advice to install tfjs-node; we mean its JS and WASM backends.
  tf.env().set('IS_NODE', false);
  if (backend === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    // Its pthreads start from a blob: URL, which node's Worker refuses.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  await tf.setBackend(backend);
  await tf.ready();
  return tf;
}

/**
 * The sweep spec in `file`, read and checked (src/core/rl/sweep/spec.ts),
 * or `fail` with the field at fault.
 * @param {(path: string) => Promise<any>} load @param {string} file
 * @param {(message: string) => never} fail
 */
export async function readSweepSpec(load, file, fail) {
  const { parseSweepSpec } = await load('/src/core/rl/sweep/spec.ts');
  try {
    return parseSweepSpec(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    return fail(`the sweep spec ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
