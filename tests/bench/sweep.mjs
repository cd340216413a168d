#!/usr/bin/env node
/**
 * `npm run bench:sweep` (also the end of `npm run bench`): the example
 * sweep (src/cli/sweep-example.json: 200 configurations × 5 seeds × 100,000
 * decisions) from scratch in shard processes side by side, then the merge
 * (which runs the best again on fresh seeds), timed on the wall clock.
 * Writes tests/bench/results/sweep-<date>.json and sweep-latest.md. Never
 * asserts on time.
 *
 * Options: --spec FILE (default src/cli/sweep-example.json), --shards N (default 2)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { arg, root } from './cli.mjs';

const spec = arg('spec', join(root, 'src', 'cli', 'sweep-example.json'));
const shards = Number(arg('shards', '2'));
const out = mkdtempSync(join(os.tmpdir(), 'demandlab-sweep-'));
const script = join(root, 'src', 'cli', 'sweep.mjs');

/**
 * Runs the sweep command (`merge` first when merging) with `args`; resolves when it exits 0.
 * @param {string[]} args
 */
function sweep(args) {
  const command = args[0] === 'merge' ? ['merge', ...args.slice(1)] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        script,
        ...command.slice(0, command[0] === 'merge' ? 1 : 0),
        '--spec',
        spec,
        '--out',
        out,
        ...command.slice(command[0] === 'merge' ? 1 : 0),
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(log) : reject(new Error(`sweep ${args.join(' ')} failed:\n${log}`)),
    );
  });
}

console.log(`bench sweep: ${spec} in ${shards} shards…`);
const t0 = performance.now();
await Promise.all(
  Array.from({ length: shards }, (_, i) => sweep(['--shard', `${i + 1}/${shards}`])),
);
const sharded = performance.now() - t0;
await sweep(['merge']);
const total = performance.now() - t0;
const ranking = JSON.parse(readFileSync(join(out, 'ranking.json'), 'utf8'));
const table = readFileSync(join(out, 'ranking.md'), 'utf8');
rmSync(out, { recursive: true, force: true });

const date = new Date().toISOString();
const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}`;
/** @param {number} ms */
const s = (ms) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
const md = [
  `Example sweep, from scratch. Machine: ${machine} (${date.slice(0, 10)}).`,
  '',
  `Spec: \`${spec.replace(root + '/', '')}\` (${ranking.configs} configurations, ${ranking.cells} cells, ${ranking.failed} failed), ${shards} shard processes side by side, then the merge, which runs the best again on fresh seeds.`,
  '',
  '| what | wall time |',
  '|---|---:|',
  `| ${shards} shards, every cell | ${s(sharded)} |`,
  `| merge and fresh seeds | ${s(total - sharded)} |`,
  `| in all | ${s(total)} |`,
  '',
  'The ranking it ended with:',
  '',
  table.trim(),
].join('\n');
const dir = join(root, 'tests', 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `sweep-${date.replace(/[:.]/g, '-')}.json`),
  JSON.stringify({ date, machine, spec, shards, shardedMs: sharded, totalMs: total }, null, 2),
);
writeFileSync(join(dir, 'sweep-latest.md'), md + '\n');
console.log('\n' + md);
