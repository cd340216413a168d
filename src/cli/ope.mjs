#!/usr/bin/env node
/**
 * `npm run ope`: judges recommenders on a log from the command line, with
 * no browser, as "Evaluate on a log" does in the recommender lab. Loads the
 * app's own TypeScript through Vite's module runner, prints the table and
 * writes <out>/<log>.json (the whole report).
 *
 *   npm run ope -- --log shop.csv --agents egreedy-segment,ucb --policy ours.csv
 *   npm run ope -- --simulate 10000 --write-log simulated.csv
 *
 * Options: --log FILE (an interaction log with a decision column) or
 *          --simulate N (a log the simulator writes, N shoppers; its truth is printed)
 *          --reward click|purchase (default click; your log only)
 *          --agents a,b,c (default egreedy-segment,ucb,ts-beta; "none" for none)
 *          --sweep FILE (judge a sweep spec's agent configurations, each distinct setting once)
 *          --policy FILE (a team's policy: segment or decision, item, probability, and a position column for a log of slates; repeatable)
 *          --no-pessimistic (leave out the policy the log teaches with pessimism)
 *          --train PERCENT (the first shoppers the agents learn from, default 50)
 *          --seed S (default 1)   --resamples N (bootstrap, default 500)
 *          --write-log FILE (with --simulate: the log as CSV, to try --log on)
 *          --out DIR (default ope-results)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { moduleLoader, options, readSweepSpec } from './common.mjs';

const argv = process.argv.slice(2);
const { arg, all, whole, fail } = options('ope', argv);

const logFile = arg('log');
const simulate = arg('simulate');
if (!logFile === !simulate) fail('give --log FILE or --simulate N (one of them)');
const reward = arg('reward') ?? 'click';
if (reward !== 'click' && reward !== 'purchase') fail('--reward must be click or purchase');
const agentList = arg('agents') ?? 'egreedy-segment,ucb,ts-beta';
const seed = whole('seed', '1');
const train = whole('train', '50');
const resamples = whole('resamples', '500');
const out = arg('out') ?? 'ope-results';

const load = await moduleLoader();
const { evaluateOnLog } = await load('/src/core/rl/ope/evaluate.ts');
const { OPE_AGENTS } = await load('/src/core/rl/ope/request.ts');
const { opeTable } = await load('/src/core/rl/ope/report-table.ts');
const { parseInteractionLog } = await load('/src/core/data/interaction-log.ts');

const agents =
  agentList === 'none'
    ? []
    : agentList
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
for (const a of agents)
  if (!OPE_AGENTS.includes(a)) fail(`unknown agent "${a}"; choose from ${OPE_AGENTS.join(', ')}`);
/** @type {unknown[]} */
const policies = agents.map((agent) => ({ kind: 'agent', agent }));
const sweepFile = arg('sweep');
if (sweepFile) {
  // A sweep's agent configurations, each distinct setting once; its shops and rewards are not the log's.
  const { sweepPolicies } = await load('/src/core/rl/ope/from-sweep.ts');
  const fromSweep = sweepPolicies(await readSweepSpec(load, sweepFile, fail));
  policies.push(...fromSweep.policies);
  console.log(
    `${fromSweep.policies.length} agent configurations from the sweep ${sweepFile} (its shops and rewards are not used: the log has its own)${fromSweep.skipped.length > 0 ? `; not judged here, as they train networks: ${fromSweep.skipped.join(', ')}` : ''}`,
  );
}
if (!argv.includes('--no-pessimistic')) policies.push({ kind: 'pessimistic' });
for (const file of all('policy')) {
  try {
    policies.push({ kind: 'file', name: basename(file), text: readFileSync(file, 'utf8') });
  } catch (e) {
    fail(`cannot read the policy ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
if (simulate) policies.push({ kind: 'example' });

let log;
if (logFile) {
  let text;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch (e) {
    fail(`cannot read the log ${logFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    log = { source: 'own', name: basename(logFile), log: await parseInteractionLog(text), reward };
  } catch (e) {
    fail(`the log ${logFile} was refused: ${e instanceof Error ? e.message : String(e)}`);
  }
} else {
  log = { source: 'simulated', shop: 'fashion', rows: whole('simulate', '10000'), seed };
  const writeTo = arg('write-log');
  if (writeTo) {
    const { opeScenario, simulatedBanditLog, banditLogCsv } = await load(
      '/src/core/rl/ope/simulated.ts',
    );
    const { shopPreset } = await load('/src/core/rl/sim/presets.ts');
    const rows = simulatedBanditLog('fashion', opeScenario('fashion').logging, log.rows, seed);
    const segments = shopPreset('fashion').shoppers.segments.map(
      (/** @type {{name: string}} */ s) => s.name,
    );
    writeFileSync(writeTo, banditLogCsv(rows, segments));
    console.log(`wrote the simulator's log to ${writeTo}`);
  }
}

let report;
try {
  report = evaluateOnLog(
    { log, policies, trainShare: train / 100, seed, resamples },
    (done, total) => {
      if (process.stdout.isTTY) process.stdout.write(`\r  judged ${done} of ${total} policies   `);
    },
  );
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
if (process.stdout.isTTY) process.stdout.write('\r' + ' '.repeat(40) + '\r');
console.log(opeTable(report) + '\n');
mkdirSync(out, { recursive: true });
const name = logFile
  ? basename(logFile).replace(/\.[^.]*$/, '')
  : `simulated-${log.rows}-seed${seed}`;
const file = join(out, `${name}.json`);
writeFileSync(file, JSON.stringify(report, null, 2));
console.log(`wrote ${file}`);
