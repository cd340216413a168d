/**
 * The recommender lab in real Chromium with WebGPU: race two agents on the
 * same shoppers, see the curves and the flow move, open a shopper's session,
 * break the reward and see training refused, then fix it and train.
 */
import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, raceUcbAgainst, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

async function round(page: Page): Promise<number> {
  return Number(await page.getByTestId('recsys-step-count').innerText());
}

async function open(page: Page): Promise<void> {
  await page.goto('./#/recsys');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByRole('heading', { name: 'Recommender lab' })).toBeVisible();
}

async function pointsOf(page: Page, title: string): Promise<number> {
  const svg = page
    .getByTestId('recsys-curves')
    .locator('figure', { hasText: title })
    .locator('svg');
  return Number(await svg.getAttribute('data-points'));
}

test('races UCB1 against a small DQN on WebGPU: curves, flow, sessions, insides, export', async ({
  page,
}) => {
  await open(page);
  // The lab opens on the demo race (random, UCB1, LinUCB, ε-greedy per segment); this test
  // races UCB1 against a small DQN, kept small for software WebGPU.
  await expect(page.getByTestId('recsys-agent-0')).toHaveValue('random');
  await expect(page.getByTestId('recsys-agent-2')).toHaveValue('linucb');
  await expect(page.getByTestId('recsys-agent-3')).toHaveValue('egreedy-segment');
  await raceUcbAgainst(page, 'dqn');
  await page.getByTestId('recsys-shop').selectOption('electronics');
  await page.getByTestId('recsys-population').fill('4');
  await page.getByLabel('Hidden units').fill('16');
  await page.getByLabel('Replay size').fill('500');
  await expect(page.getByTestId('recsys-reward-ok')).toContainText('simulated steps');

  await page.getByTestId('recsys-start').click();
  await expect.poll(() => round(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(150);
  await expect.poll(() => pointsOf(page, 'Cumulative reward')).toBeGreaterThan(20);
  expect(await pointsOf(page, 'Cumulative regret')).toBeGreaterThan(20);
  await expect(page.getByTestId('recsys-leader')).not.toHaveText('–');

  // The flow keeps sending dots while the race runs.
  const flow = page.getByTestId('recsys-flow').locator('svg');
  const dots = Number(await flow.getAttribute('data-dots'));
  await expect.poll(async () => Number(await flow.getAttribute('data-dots'))).toBeGreaterThan(dots);

  // DQN shows its replay buffer and loss; UCB its arm estimates against the truth.
  const replay = page.getByTestId('recsys-dqn').locator('meter');
  await expect.poll(async () => Number(await replay.getAttribute('value'))).toBeGreaterThan(0);
  await expect
    .poll(async () =>
      Number(
        await page
          .locator('figure', { hasText: 'DQN loss' })
          .locator('svg')
          .getAttribute('data-points'),
      ),
    )
    .toBeGreaterThan(0);
  await expect(page.locator('[data-arms="20"]')).toBeVisible();

  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');
  const before = await round(page);
  await page.getByTestId('recsys-one-step').click();
  await expect.poll(() => round(page)).toBe(before + 1);

  // A shopper's session as a timeline.
  await page.getByTestId('recsys-shoppers').getByRole('button').first().click();
  await expect(page.getByTestId('recsys-timeline').locator('li').first()).toContainText('Step 1');

  const csv = page.waitForEvent('download');
  await page.getByTestId('recsys-csv').click();
  const file = await csv;
  expect(file.suggestedFilename()).toBe('demandlab-race-seed1.csv');
  // The saved charts name their lines: each title carries the racers' keys in their colours.
  const svg = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save charts (SVG)' }).click();
  const saved = readFileSync(await (await svg).path(), 'utf8');
  for (const name of ['UCB1', 'DQN (double)'])
    expect(saved.split(`>${name}</text>`)).toHaveLength(4 + 1); // once per chart
  const swatches = [...saved.matchAll(/<rect [^>]*height="3" fill="([^"]+)"/g)].map((m) => m[1]);
  expect(swatches).toHaveLength(2 * 4);
  for (const fill of swatches) expect(fill).toMatch(/^rgb/); // painted, not a CSS variable
  expect(new Set(swatches).size).toBe(2);
  const png = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save charts (PNG)' }).click();
  expect((await png).suggestedFilename()).toBe('demandlab-race.png');

  await expect(page.getByTestId('recsys-why-dqn').locator('math')).toBeVisible();
  await page.getByTestId('vi-next').click();
  await expect(page.getByTestId('vi-sweep')).toHaveText('sweep 1');
  await screenshot(page, 'recsys-race');
});

test('a bad reward shows its error where it is and keeps training off; a good one trains', async ({
  page,
}) => {
  await open(page);
  await page.getByTestId('recsys-agent-1').selectOption('qlearning');
  await page.getByTestId('recsys-population').fill('4');
  const reward = page.getByTestId('recsys-reward');
  await reward.fill('purchased * prize - 0.5 * left');
  await expect(page.getByTestId('recsys-reward-error')).toContainText('unknown variable "prize"');
  await expect(page.getByTestId('recsys-reward-error').locator('mark')).toHaveText('prize');
  await expect(reward).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('recsys-start')).toBeDisabled();
  await screenshot(page, 'recsys-bad-reward');

  await reward.fill('constructor.constructor("alert(1)")()');
  await expect(page.getByTestId('recsys-reward-error')).toBeVisible();
  await expect(page.getByTestId('recsys-start')).toBeDisabled();

  await reward.fill('purchased * price - 0.5 * left + 0.1 * clicked');
  await expect(page.getByTestId('recsys-reward-ok')).toBeVisible();
  await expect(page.getByTestId('recsys-start')).toBeEnabled();
  await page.getByTestId('recsys-start').click();
  await expect.poll(() => round(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(50);
  await expect(page.getByTestId('recsys-q')).toBeVisible();
  await page.getByTestId('recsys-pause').click();
  await expect(page.getByTestId('recsys-phase')).toHaveAttribute('data-phase', 'paused');

  // A reward that is not finite for some outcome is caught by the preview: no race.
  await reward.fill('log(price)');
  await expect(page.getByTestId('recsys-reward-error')).toContainText('the reward is -Infinity');
  await expect(page.getByTestId('recsys-start')).toBeDisabled();
});

test('races a sweep’s best configurations from its ranking.json, and refuses a file that is not one', async ({
  page,
  problems,
}, info) => {
  // A real sweep, from the command line: three UCB settings and Thompson on the 50-item shop.
  const spec = info.outputPath('sweep.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'e2e',
      steps: 300,
      seeds: 2,
      outcome: 'ctr',
      shops: [{ shop: 'fashion', items: 50 }],
      agents: [{ kind: 'ucb', ucbC: [0.1, 1, 3] }, 'ts-beta', 'random'],
      top: 0,
    }),
  );
  const out = info.outputPath('sweep');
  execFileSync('node', ['src/cli/sweep.mjs', '--spec', spec, '--out', out]);
  const ranking = JSON.parse(readFileSync(`${out}/ranking.json`, 'utf8')) as {
    ranking: { label: string; race: { agents: { kind: string }[] } }[];
  };

  await page.goto('./#/recsys');
  await page.getByTestId('recsys-sweep-file').setInputFiles({
    name: 'notes.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"ranking": "soon"}'),
  });
  await expect(page.getByTestId('toast').last()).toContainText(
    '“notes.json” cannot be opened: this is not a sweep’s ranking.json',
  );
  await page.getByTestId('recsys-sweep-file').setInputFiles(`${out}/ranking.json`);
  await expect(page.getByTestId('toast').last()).toContainText(
    `Racing the sweep’s best from seed 1 (fashion items=50 · clicked): ${ranking.ranking[0]!.label.split(' · ')[0]!};`,
  );
  // The best four race, in the sweep's order, in its shop.
  for (const [i, r] of ranking.ranking.slice(0, 4).entries())
    await expect(page.getByTestId(`recsys-agent-${i}`)).toHaveValue(r.race.agents[0]!.kind);
  await expect(page.getByTestId('recsys-items')).toHaveValue('50');
  await expect.poll(() => round(page), { timeout: 60_000 }).toBeGreaterThan(5);
  await screenshot(page, 'recsys-from-sweep');
  expect(problems.errors).toEqual([]);
});
