#!/usr/bin/env node
/**
 * `npm run sweep`: tries many recommender configurations (agents and their
 * settings × reward expressions × shops and their knobs × seeds) headless,
 * as a spec names them (src/core/rl/sweep/spec.ts), and ranks them.
 *
 *   npm run sweep -- --spec sweep.json [--out DIR] [--shard i/n] [--backend wasm|cpu]
 *   npm run sweep:merge -- --spec sweep.json [--out DIR]
 *
 * Every finished cell (one configuration on one seed) is one JSON line in
 * DIR/cells.jsonl (DIR/cells-i-of-n.jsonl for a shard), so a rerun skips
 * what is done. A whole sweep then runs its best configurations again on
 * fresh seeds and writes DIR/ranking.json, ranking.md and best.svg. A shard
 * (`--shard i/n`, or on Kubernetes the Indexed Job's JOB_COMPLETION_INDEX
 * with SWEEP_SHARDS) runs only its share of the cells; `sweep:merge` joins
 * the shards' lines and finishes the sweep the same way. DIR defaults to
 * sweep-results/<the spec's name>.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { moduleLoader, options, readSweepSpec, root, startTfjs } from './common.mjs';

const argv = process.argv.slice(2);
const merging = argv[0] === 'merge';
const { arg, fail } = options(merging ? 'sweep:merge' : 'sweep', argv);

const specFile = arg('spec');
if (!specFile) fail('give --spec FILE (see src/core/rl/sweep/spec.ts for its fields)');
const backend = arg('backend') ?? 'wasm';
if (backend !== 'wasm' && backend !== 'cpu') fail('--backend must be wasm or cpu');

const load = await moduleLoader();
const { sweepCells, shardCells, parseShard, runCell } = await load('/src/core/rl/sweep/cells.ts');
const { sweepReport, rankConfigs, topConfigs, sweepTable } = await load(
  '/src/core/rl/sweep/rank.ts',
);
const { sweepSvg } = await load('/src/charts/sweep-svg.ts');
const { checkShape } = await load('/src/core/rl/contract.ts');

const spec = await readSweepSpec(load, specFile, fail);
const environment = spec.environment ? await environmentOf(spec.environment) : undefined;

/**
 * The `createEnvironment` of the spec's environment module (its path from the
 * spec's folder), checked on seed 1; stops with the reason when it has none.
 * @param {string} path
 */
async function environmentOf(path) {
  const file = resolve(dirname(specFile), path);
  if (!existsSync(file)) fail(`the sweep spec ${specFile}: environment: no file ${file}`);
  const rel = relative(root, file);
  // The app's loader reads paths from the repository's root; one outside it by Vite's /@fs/.
  const id = rel.startsWith('..') || isAbsolute(rel) ? `/@fs${file}` : `/${rel}`;
  let module;
  try {
    module = await load(id);
  } catch (e) {
    fail(`environment ${path} did not load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const create = module.createEnvironment;
  if (typeof create !== 'function')
    fail(`environment ${path} must export createEnvironment(seed), which returns an Environment`);
  try {
    checkShape(create(1));
  } catch (e) {
    fail(`environment ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return /** @type {(seed: number) => unknown} */ (create);
}
const out = arg('out') ?? join('sweep-results', spec.name);
mkdirSync(out, { recursive: true });

/** Which share of the cells this process runs: --shard, else the Indexed Job's index. */
function shardOf() {
  const flag = arg('shard');
  try {
    if (flag) return parseShard(flag);
    const index = process.env.JOB_COMPLETION_INDEX;
    if (index !== undefined) {
      const shards = Number(process.env.SWEEP_SHARDS);
      if (!(Number.isInteger(shards) && shards >= 1))
        fail('JOB_COMPLETION_INDEX is set but SWEEP_SHARDS is not a shard count');
      return parseShard(`${Number(index) + 1}/${shards}`);
    }
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  return null;
}

/** The cell lines in `file`, a torn last line (a killed run) left out. @param {string} file */
function readLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return l.trim() ? [JSON.parse(l)] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Runs `cells` not already in `file`, appending each as it ends, with a
 * progress bar and an ETA on stderr; resolves with every cell's result.
 * @param {any[]} cells @param {string} file @param {string} what
 */
async function runAll(cells, file, what) {
  const done = new Map(readLines(file).map((r) => [r.id, r]));
  const todo = cells.filter((c) => !done.has(c.id));
  if (done.size > 0) console.error(`${what}: ${done.size} cells already done in ${file}`);
  const t0 = Date.now();
  let lastLine = 0;
  for (const [i, cell] of todo.entries()) {
    const result = await runCell(spec, cell, environment);
    // The line goes whole or not at all: a cell is done once its line is.
    appendFileSync(file, JSON.stringify(result) + '\n');
    done.set(cell.id, result);
    if (result.error) console.error(`\n${cell.id} failed: ${result.error}`);
    const n = i + 1;
    const eta = ((Date.now() - t0) / n) * (todo.length - n);
    const bar = '#'.repeat(Math.round((20 * n) / todo.length)).padEnd(20, '-');
    const text = `${what} [${bar}] ${n}/${todo.length} cells · ETA ${clock(eta)}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}  `);
    else if (n === todo.length || Date.now() - lastLine > 10_000) {
      console.error(text); // a log (a pod's) gets a line every 10 s
      lastLine = Date.now();
    }
  }
  if (process.stderr.isTTY && todo.length > 0) process.stderr.write('\n');
  return cells.map((c) => done.get(c.id));
}

/** @param {number} ms */
function clock(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Ranks `cells`, runs the best again on fresh seeds, writes and prints the report. @param {any[]} cells */
async function finish(cells) {
  const ranking = rankConfigs(spec, cells);
  const again = sweepCells(topConfigs(spec, ranking), spec.freshSeeds, true);
  const fresh = await runAll(again, join(out, 'fresh.jsonl'), 'fresh seeds');
  const report = sweepReport(spec, cells, fresh);
  writeFileSync(join(out, 'ranking.json'), JSON.stringify(report, null, 2) + '\n');
  const table = sweepTable(report);
  writeFileSync(join(out, 'ranking.md'), table + '\n');
  writeFileSync(join(out, 'best.svg'), sweepSvg(report) + '\n');
  console.log(`\n${table}\n\nwrote ${join(out, 'ranking.json')}, ranking.md and best.svg`);
}

const all = sweepCells(
  spec.configs.map((/** @type {{ index: number }} */ c) => c.index),
  spec.seeds,
);
if (spec.configs.some((/** @type {any} */ c) => c.race.agents[0].kind === 'dqn'))
  await startTfjs(backend);

if (merging) {
  const lines = readdirSync(out)
    .filter((f) => /^cells(-\d+-of-\d+)?\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => readLines(join(out, f)));
  const byId = new Map(lines.map((r) => [r.id, r]));
  const missing = all.filter((c) => !byId.has(c.id));
  if (missing.length > 0)
    fail(
      `${missing.length} of ${all.length} cells are not in ${out} yet (first: ${missing[0].id}); run the missing shards`,
    );
  await finish(all.map((c) => byId.get(c.id)));
} else {
  const shard = shardOf();
  const mine = shard ? shardCells(all, shard.shard, shard.shards) : all;
  const file = join(
    out,
    shard ? `cells-${shard.shard + 1}-of-${shard.shards}.jsonl` : 'cells.jsonl',
  );
  console.error(
    `${spec.name}: ${spec.configs.length} configurations × ${spec.seeds.length} seeds × ${spec.steps.toLocaleString('en')} decisions${shard ? `, shard ${shard.shard + 1} of ${shard.shards}: ${mine.length} cells` : ''}`,
  );
  const results = await runAll(
    mine,
    file,
    shard ? `shard ${shard.shard + 1}/${shard.shards}` : 'cells',
  );
  if (shard)
    console.log(
      `wrote ${file}; when every shard is done: npm run sweep:merge -- --spec ${specFile} --out ${out}`,
    );
  else await finish(results);
}
