#!/usr/bin/env node
/**
 * `npm run experiment`: races recommender agents on a simulated shop from the
 * command line, with no browser. Loads the app's own TypeScript through
 * Vite's module runner, prints a table with 95% intervals over seeds and
 * writes <out>/<shop>-<reward>-<steps>.json (everything, curves included)
 * and .csv (one row per agent, segment and metric).
 *
 *   npm run experiment -- --shop fashion --agents ucb,linucb,dqn --steps 100000 --seed 1
 *
 * Options: --shop fashion|electronics|grocery (default fashion)
 *          --agents a,b,c (default random,egreedy,ucb,ts-beta,linucb,qlearning,dqn; add oracle)
 *          --steps N (default 20000)   --seed S (first seed, default 1)
 *          --seeds N (runs per agent, seeds S..S+N-1, default 3)
 *          --reward clicks|purchases|revenue|margin-churn (default clicks)
 *          --backend wasm|cpu (tfjs backend for DQN, default wasm)
 *          --batch N (shoppers each agent serves between two lessons, default 1:
 *                     the same numbers as the single environment, faster)
 *          --reference (the single environment's loop instead, as the tests check against)
 *          --out DIR (default experiment-results)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleLoader, options, startTfjs } from './common.mjs';

const { arg: option, whole, flag, fail } = options('experiment', process.argv.slice(2));
/** @param {string} name @param {string} fallback */
const arg = (name, fallback) => option(name) ?? fallback;

const shop = arg('shop', 'fashion');
const agentList = arg('agents', 'random,egreedy,ucb,ts-beta,linucb,qlearning,dqn');
const steps = whole('steps', '20000');
const first = whole('seed', '1');
const count = whole('seeds', '3');
const reward = arg('reward', 'clicks');
const backend = arg('backend', 'wasm');
const out = arg('out', 'experiment-results');
const batch = flag('reference') ? undefined : whole('batch', '1');
if (count < 1) fail('--seeds must be at least 1');
if (backend !== 'wasm' && backend !== 'cpu') fail('--backend must be wasm or cpu');

const tf = await startTfjs(backend);
const load = await moduleLoader();
const { runExperiment } = await load('/src/core/rl/experiment.ts');
const { parseAgentList } = await load('/src/core/rl/agents/registry.ts');
const { experimentTable, segmentTable, experimentCsv } = await load('/src/core/rl/report.ts');

/** @type {string[]} */
const agents = agentList
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
try {
  // The oracle is not a learner; the rest are checked by name with the list of choices.
  parseAgentList(agents.filter((n) => n !== 'oracle').join(',') || 'random');
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const seeds = Array.from({ length: count }, (_, i) => first + i);
console.log(
  `shop ${shop}, reward ${reward}, ${steps.toLocaleString('en')} steps, seeds ${seeds.join(', ')}, ${batch === undefined ? 'the single environment' : `batches of ${batch}`}, tfjs ${tf.getBackend()}`,
);
let last = '';
let result;
try {
  result = await runExperiment({ shop, agents, steps, seeds, reward, batch }, (p) => {
    const line = `  ${p.agent} seed ${p.seed}: ${Math.round((100 * p.step) / p.steps)}%`;
    if (line !== last && process.stdout.isTTY) process.stdout.write(`\r${line}   `);
    last = line;
  });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
if (process.stdout.isTTY) process.stdout.write('\r' + ' '.repeat(last.length + 3) + '\r');
console.log('\n' + experimentTable(result) + '\n\n' + segmentTable(result) + '\n');
mkdirSync(out, { recursive: true });
const base = join(out, `${shop}-${reward}-${steps}`);
writeFileSync(`${base}.json`, JSON.stringify(result, null, 2));
writeFileSync(`${base}.csv`, experimentCsv(result));
console.log(`wrote ${base}.json and ${base}.csv`);
