/**
 * `npm run ope` as a team runs it: on a log written as CSV it prints the
 * same table the page shows, with the log's own average first and every
 * policy's estimates or its reason; a bad option stops it with a message
 * and exit status 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (args: string[]) => run('node', ['src/cli/ope.mjs', ...args], { timeout: 120_000 });

describe('npm run ope', () => {
  it('writes the simulator’s log, judges policies on it from the file, and prints and saves the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-cli-'));
    const log = join(dir, 'shop.csv');
    const simulated = await cli([
      '--simulate',
      '2000',
      '--agents',
      'none',
      '--no-pessimistic',
      '--resamples',
      '50',
      '--write-log',
      log,
      '--out',
      dir,
    ]);
    expect(simulated.stdout).toContain(`wrote the simulator's log to ${log}`);
    expect(simulated.stdout).toMatch(/\| the example team policy \| [0-9.]+ \[/);
    const policy = join(dir, 'ours.csv');
    writeFileSync(policy, 'segment,item,probability\ntrend followers,sku-1,1\n');
    const { stdout } = await cli([
      '--log',
      log,
      '--agents',
      'ucb',
      '--policy',
      policy,
      '--resamples',
      '50',
      '--out',
      dir,
    ]);
    expect(stdout).toContain('Judged on 1,000 decisions of your log “shop.csv” (reward: a click)');
    const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      '| policy',
      '| the log’s own average',
      '| UCB1',
      '| best lower bound (pessimistic)',
      '| your policy “ours.csv”',
    ]);
    expect(stdout).toContain(
      '- your policy “ours.csv”: not judged: the file gives no probabilities for segment "bargain hunters", "premium", which the log has',
    );
    const saved = JSON.parse(readFileSync(join(dir, 'shop.json'), 'utf8'));
    expect(saved.judgedRows).toBe(1000);
    expect(saved.policies[1].estimates).toHaveLength(5);
  }, 120_000);

  it('judges a sweep spec’s agent configurations, each distinct setting once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-cli-'));
    const spec = join(dir, 'sweep.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'sweep',
        steps: 100,
        shops: ['fashion', 'grocery'],
        agents: [{ kind: 'ucb', ucbC: [0.1, 2] }, { kind: 'dqn' }],
      }),
    );
    const { stdout } = await cli([
      ...['--simulate', '1000', '--agents', 'none', '--no-pessimistic'],
      ...['--sweep', spec, '--resamples', '50', '--out', dir],
    ]);
    // Two shops × three agents, but two distinct UCB settings to judge; DQN is not judged here.
    expect(stdout).toContain(`2 agent configurations from the sweep ${spec}`);
    expect(stdout).toContain('not judged here, as they train networks: dqn');
    const rows = stdout.split('\n').filter((l) => /^\| ucb /.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| ucb ucbC=0.1', '| ucb ucbC=2']);
    await expect(
      cli(['--simulate', '1000', '--sweep', join(dir, 'none.json')]),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('the sweep') });
  }, 120_000);

  it('stops on a bad option with the reason and status 2', async () => {
    for (const [args, reason] of [
      [[], /give --log FILE or --simulate N/],
      [['--simulate', '50'], /200 to 100,000 decisions/],
      [['--simulate', '1000', '--agents', 'dqn'], /unknown agent "dqn"/],
      [['--log', 'public/data/logs/sample-interactions.csv'], /records no recommendations/],
    ] as const) {
      const err = await cli([...args]).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code, args.join(' ')).toBe(2);
      expect(err?.stderr).toMatch(reason);
    }
  }, 120_000);
});
