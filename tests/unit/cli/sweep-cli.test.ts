/**
 * `npm run sweep` as a team runs it: whole in one process, or in four
 * shards (four processes, as four pods of the Indexed Job would be) joined
 * by `sweep:merge`, with the same ranking to the byte; a rerun skips the
 * finished cells; a bad spec stops it naming the field. And the Kubernetes
 * manifest has what the Job API requires of an Indexed Job running it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  run('node', ['src/cli/sweep.mjs', ...args], {
    timeout: 120_000,
    env: { ...process.env, ...env },
  });

const SPEC = {
  name: 'cli-test',
  steps: 300,
  seeds: 2,
  outcome: 'ctr',
  shops: [{ shop: 'fashion', items: 50 }],
  rewards: ['clicked'],
  agents: [
    { kind: 'ucb', ucbC: [0.1, 1] },
    'random',
    { kind: 'egreedy', epsilonStart: [0.05, 0.3] },
  ],
  top: 2,
};

function setup(spec: object = SPEC): { dir: string; spec: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-cli-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return { dir, spec: file };
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      // Wall time differs between runs; everything else must not.
      const cell = JSON.parse(l) as Record<string, unknown>;
      delete cell.ms;
      return cell;
    });

describe('npm run sweep', () => {
  it('four shards merged rank exactly as one process does, and a rerun skips what is done', async () => {
    const { dir, spec } = setup();
    const whole = join(dir, 'whole');
    const first = await cli(['--spec', spec, '--out', whole]);
    expect(first.stdout).toMatch(/\| 1 \| .+ \| 0\.\d{4} \[/);
    expect(first.stdout).toContain(
      'cli-test: 5 configurations, 10 cells of 300 decisions (0 failed)',
    );

    const sharded = join(dir, 'sharded');
    await Promise.all(
      [1, 2, 3, 4].map((i) => cli(['--spec', spec, '--out', sharded, '--shard', `${i}/4`])),
    );
    const shardLines = [1, 2, 3, 4].map((i) => lines(join(sharded, `cells-${i}-of-4.jsonl`)));
    expect(shardLines.map((l) => l.length)).toEqual([3, 3, 2, 2]);
    // With all four shards there, the merge finishes the sweep.
    const merged = await cli(['merge', '--spec', spec, '--out', sharded]);
    expect(merged.stdout).toContain('wrote');
    for (const file of ['ranking.json', 'ranking.md', 'best.svg'])
      expect(readFileSync(join(sharded, file), 'utf8'), file).toBe(
        readFileSync(join(whole, file), 'utf8'),
      );
    const wholeCells = lines(join(whole, 'cells.jsonl'));
    const byId = (l: Record<string, unknown>[]) =>
      [...l].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(byId(shardLines.flat())).toEqual(byId(wholeCells));
    const ranking = JSON.parse(readFileSync(join(whole, 'ranking.json'), 'utf8')) as {
      ranking: { index: number }[];
      fresh: { index: number; seeds: number }[];
    };
    // The best two again, on seeds 3 and 4.
    expect(ranking.fresh.map((r) => r.index).sort()).toEqual(
      ranking.ranking
        .slice(0, 2)
        .map((r) => r.index)
        .sort(),
    );
    expect(ranking.fresh.every((r) => r.seeds === 2)).toBe(true);
    expect(readFileSync(join(whole, 'best.svg'), 'utf8')).toMatch(/^<svg[^]*<\/svg>\n$/);

    const again = await cli(['--spec', spec, '--out', whole]);
    expect(again.stderr).toContain('cells: 10 cells already done');
    expect(lines(join(whole, 'cells.jsonl'))).toHaveLength(10);
  });

  it('takes its shard from an Indexed Job’s JOB_COMPLETION_INDEX and SWEEP_SHARDS', async () => {
    const { dir, spec } = setup();
    await cli(['--spec', spec, '--out', dir], { JOB_COMPLETION_INDEX: '1', SWEEP_SHARDS: '4' });
    expect(lines(join(dir, 'cells-2-of-4.jsonl')).map((l) => l.id)).toEqual([
      'c0s2',
      'c2s2',
      'c4s2',
    ]);
    expect(existsSync(join(dir, 'ranking.json'))).toBe(false); // the merge ranks
    const merge = cli(['merge', '--spec', spec, '--out', dir]);
    await expect(merge).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/7 of 10 cells are not in .* yet \(first: c0s1\)/),
    });
  });

  it('stops on a bad spec, naming the field', async () => {
    const { spec } = setup({ ...SPEC, agents: [{ kind: 'ucb', ucbC: [0.1, 'big'] }] });
    await expect(cli(['--spec', spec])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('agents[0].ucbC[1]: expected a number'),
    });
    await expect(cli(['--spec', spec, '--shard', '5/4'])).rejects.toMatchObject({ code: 2 });
  });

  it('sweeps the guide’s own-problem example from its module, and stops on a module without a factory', async () => {
    const shipped = JSON.parse(readFileSync('src/cli/sweep-coupons.json', 'utf8')) as object;
    // The shipped spec, smaller; its module found from the spec's folder as the shipped one finds it.
    const { dir, spec } = setup({
      ...shipped,
      environment: join(process.cwd(), 'src/core/rl/envs/coupon-test.ts'),
      steps: 3000,
      seeds: 2,
      top: 1,
    });
    const { stdout } = await cli(['--spec', spec, '--out', dir]);
    const report = JSON.parse(readFileSync(join(dir, 'ranking.json'), 'utf8')) as {
      failed: number;
      ranking: { label: string }[];
    };
    expect(report.failed).toBe(0);
    expect(report.ranking[0]!.label).toMatch(/^linucb .* · coupon-test$/);
    expect(report.ranking.at(-1)!.label).toBe('random · coupon-test');
    expect(stdout).toContain('ranked by reward / step');
    const bad = join(dir, 'no-factory.ts');
    writeFileSync(bad, 'export const nothing = 1;\n');
    const { spec: badSpec } = setup({ ...shipped, environment: bad });
    await expect(cli(['--spec', badSpec])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('must export createEnvironment(seed)'),
    });
  });
});

describe('the Kubernetes Indexed Job manifest', () => {
  it('has the fields the Job API requires, and runs the sweep over its shards', () => {
    const job = JSON.parse(readFileSync('src/cli/sweep-job.json', 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {
          spec: {
            restartPolicy: string;
            containers: {
              name: string;
              image: string;
              command: string[];
              env: { name: string; value: string }[];
              volumeMounts: { name: string; mountPath: string }[];
            }[];
            volumes: { name: string }[];
          };
        };
      };
    };
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/); // DNS-1123 label
    const { spec } = job;
    expect(spec.completionMode).toBe('Indexed');
    expect(Number.isInteger(spec.completions) && spec.completions >= 1).toBe(true);
    expect(spec.parallelism).toBeLessThanOrEqual(spec.completions);
    // A Job's pods may not restart Always.
    expect(['Never', 'OnFailure']).toContain(spec.template.spec.restartPolicy);
    const [container] = spec.template.spec.containers;
    expect(container!.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(container!.image).toMatch(/^node:\d+/); // the public Node image
    expect(container!.command.slice(0, 2)).toEqual(['node', 'src/cli/sweep.mjs']);
    expect(existsSync(container!.command[1]!)).toBe(true);
    // Each index is one shard of as many as the Job has completions.
    const shards = container!.env.find((e) => e.name === 'SWEEP_SHARDS')?.value;
    expect(Number(shards)).toBe(spec.completions);
    const volumes = new Set(spec.template.spec.volumes.map((v) => v.name));
    for (const m of container!.volumeMounts) expect(volumes.has(m.name)).toBe(true);
    const out = container!.command[container!.command.indexOf('--out') + 1]!;
    expect(container!.volumeMounts.some((m) => out.startsWith(m.mountPath))).toBe(true);
  });
});
