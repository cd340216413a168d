/**
 * What the command-line tools share: reading options, stopping with a
 * reason, loading the app's own TypeScript through Vite's module runner,
 * and bringing up tfjs (its JS or WASM backend) for the agents with networks.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/**
 * A loader of the app's modules by their path from the repository's root
 * ('/src/…', or '/@fs/…' for a file outside it). Each module is bundled
 * with its imports into one file (Vite's build, about 0.1 s) and imported
 * natively. Vite's module runner, which the tools used before, reads every
 * import through a getter on a dictionary-mode object: V8 cannot inline
 * such calls, so a hot loop that calls an imported helper (a random draw,
 * say) paid about 11 ns a call, and node's figures measured the loader.
 * Packages stay external, so tfjs is the one the tool brought up.
 */
export async function moduleLoader() {
  const { build } = await import('vite');
  // Inside the repository, so the bundles' package imports resolve from its node_modules.
  const cache = join(root, 'node_modules', '.cache', 'demandlab-cli');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'load-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  /** @param {string} path */
  return async (path) => {
    const input = path.startsWith('/@fs/') ? path.slice(4) : join(root, path);
    const name = `m${count++}.mjs`;
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      publicDir: false,
      build: {
        ssr: input,
        outDir: dir,
        emptyOutDir: false,
        minify: false,
        rollupOptions: { output: { format: 'es', entryFileNames: name } },
      },
    });
    return import(pathToFileURL(join(dir, name)).href);
  };
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
