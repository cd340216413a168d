/**
 * Every lesson walked to its end in real Chromium: each step's title and
 * place, each setup button loading its settings into the live lab (and
 * starting it where the step says), the finish recorded and kept on reload.
 */
import type { Page } from '@playwright/test';
import { LESSONS, type Lesson, type LessonSetup } from '../../src/core/lessons/lessons';
import { LOG_TO_RECOMMENDER } from '../../src/core/lessons/log-lessons';
import { lessonConfig } from '../../src/core/lessons/setup';
import { expect, screenshot, test } from './fixtures';

test.describe.configure({ timeout: 600_000 });

const TAB: Record<string, string> = {
  article: 'Article example',
  'article-tuned': 'Article example',
  dcgan: 'DCGAN',
  conditional: 'Conditional GAN',
  'conditional-mlp': 'Quick digits',
  toy: '2D toy GANs',
};

/** The lab shows the settings the setup asked for, and runs when it should. */
async function expectSetUp(page: Page, setup: LessonSetup): Promise<void> {
  if (setup.lab === 'gan') {
    await expect(page).toHaveURL(/#\/gan$/);
    await expect(page.getByRole('tab', { name: TAB[setup.model]! })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    await expect(page.getByTestId('gan-loss')).toHaveValue(setup.config?.loss ?? 'non-saturating');
    if (setup.config?.toyDistribution)
      await expect(page.getByTestId('gan-distribution')).toHaveValue(setup.config.toyDistribution);
    const phase = page.getByTestId('gan-phase');
    if (setup.start) await expect(phase).not.toHaveAttribute('data-phase', 'idle');
    else await expect(phase).toHaveAttribute('data-phase', 'idle');
  } else if (setup.lab === 'recsys') {
    await expect(page).toHaveURL(/#\/recsys$/);
    await expect(page.getByTestId('recsys-reward')).toHaveValue(setup.config?.reward ?? 'clicked');
    for (const [i, a] of setup.agents.entries())
      await expect(page.getByTestId(`recsys-agent-${i}`)).toHaveValue(a.kind);
    await expect(page.getByTestId(`recsys-agent-${setup.agents.length}`)).toHaveCount(0);
    await expect(page.getByTestId('recsys-phase')).not.toHaveAttribute('data-phase', 'idle');
  } else if (setup.lab === 'log-model') {
    await expect(page).toHaveURL(/#\/recsys$/);
    const config = lessonConfig(setup);
    await expect(page.getByTestId('log-model-kind')).toHaveValue(config.model);
    await expect(page.getByTestId('log-model-source')).toHaveValue(config.source);
    // Trained to the end, as the next step (a race from what it learned) needs.
    await expect(page.getByTestId('log-model-status')).toHaveText(
      new RegExp(`· ${config.epochs} epochs? done`),
      { timeout: 180_000 },
    );
    await expect(page.getByTestId('log-model-epochs-table').locator('tbody tr')).toHaveCount(
      config.epochs,
    );
  } else if (setup.lab === 'ope') {
    await expect(page).toHaveURL(/#\/recsys$/);
    await expect(page.getByTestId('ope-report')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('ope-baseline')).toContainText('truth');
  } else {
    await expect(page).toHaveURL(/#\/recsys$/);
    await expect(page.getByTestId('recsys-from-log')).toBeVisible();
    for (const [i, kind] of ['cf', 'popularity', 'qlearning', 'random'].entries())
      await expect(page.getByTestId(`recsys-agent-${i}`)).toHaveValue(kind);
    await expect(page.getByTestId('recsys-phase')).not.toHaveAttribute('data-phase', 'idle');
  }
}

/** Walks a lesson from its card to its end, setting up every step that has a setup. */
async function walk(page: Page, lesson: Lesson): Promise<void> {
  const panel = page.getByTestId('lesson-panel');
  const card = page.locator(`[data-lesson="${lesson.id}"]`);
  await expect(card.getByTestId('lesson-status')).toHaveText('Not started');
  await card.getByRole('button', { name: /^Start/ }).click();
  await expect(panel).toBeVisible();
  for (const [i, step] of lesson.steps.entries()) {
    await expect(panel.getByTestId('lesson-progress')).toHaveText(
      `Step ${i + 1} of ${lesson.steps.length}`,
    );
    await expect(panel.getByTestId('lesson-step-title')).toHaveText(step.title);
    await expect(panel.locator('math')).toHaveCount(step.tex?.length ?? 0);
    // Every formula fits the panel: none needs a sideways scroll.
    const wide = await panel
      .locator('.formula.display')
      .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length);
    expect(wide, `a formula of “${step.title}” is wider than the panel`).toBe(0);
    if (step.setup) {
      await panel.getByTestId('lesson-setup').click();
      await expectSetUp(page, step.setup);
    } else {
      await expect(panel.getByTestId('lesson-setup')).toHaveCount(0);
    }
    if (lesson.id === 'mode-collapse' && i === 1) await screenshot(page, 'lesson-gan-step');
    if (lesson.id === 'q-table-to-dqn' && i === 1) await screenshot(page, 'lesson-rl-step');
    // The step beside the evaluation it reads (the viewport, where the page scrolled to it).
    if (lesson.id === 'judge-on-a-log' && i === 1)
      await page.screenshot({ path: 'test-results/screenshots/lesson-ope-step.png' });
    if (lesson.id === LOG_TO_RECOMMENDER.id && (i === 0 || i === 4)) {
      if (i === 4) await expect(page.getByTestId('recsys-story')).toBeVisible();
      await screenshot(page, `lesson-log-step-${i + 1}`);
    }
    await panel.getByTestId('lesson-next').click();
  }
  await expect(panel).toHaveCount(0);
  await expect(
    page.getByTestId('toast').filter({ hasText: `Lesson done: “${lesson.title}”` }),
  ).toBeVisible();
  await page.goto('./#/learn');
  await expect(card.getByTestId('lesson-status')).toHaveText('✓ Done');
}

/** The lessons that run on WebGPU here; the log lesson trains its models on WASM (its own test). */
const ON_WEBGPU = LESSONS.filter((l) => l !== LOG_TO_RECOMMENDER);

test('each lesson walks to its end, setting its lab up on the way, and is remembered', async ({
  page,
}) => {
  await page.goto('./#/learn');
  await expect(page.getByTestId('lesson-card')).toHaveCount(LESSONS.length);
  await screenshot(page, 'lessons-list');
  for (const lesson of ON_WEBGPU) await walk(page, lesson);

  // Progress stays on this device.
  await page.reload();
  await expect(page.getByTestId('lesson-status').filter({ hasText: '✓ Done' })).toHaveCount(
    ON_WEBGPU.length,
  );
});

/*
 * CF trains a step at a time in small batches: on this machine's software GPU
 * 10,000 sessions take many minutes, on WASM (what auto picks here) 20 s.
 */
test('“From a log to a recommender” trains CF twice and races it twice, end to end, on WASM', async ({
  page,
}) => {
  await page.goto('./?backend=wasm#/learn');
  await walk(page, LOG_TO_RECOMMENDER);
});

test('a lesson reopens where it was left, and Back goes back', async ({ page }) => {
  await page.goto('./#/learn');
  const card = page.locator('[data-lesson="explore-exploit"]');
  await card.getByRole('button', { name: /^Start/ }).click();
  const panel = page.getByTestId('lesson-panel');
  await panel.getByTestId('lesson-next').click();
  await panel.getByTestId('lesson-next').click();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 3 of/);
  await panel.getByRole('button', { name: 'Back' }).click();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 2 of/);
  await panel.getByRole('button', { name: 'Close the lesson' }).click();
  await expect(panel).toHaveCount(0);

  await page.goto('./#/learn');
  await page.reload();
  await expect(card.getByTestId('lesson-status')).toHaveText(/^Step 2 of/);
  await card.getByRole('button', { name: /^Continue/ }).click();
  await expect(panel.getByTestId('lesson-progress')).toHaveText(/^Step 2 of/);
  await expect(page).toHaveURL(/#\/recsys$/);
});

test('the race from a log waits for its model, and says so', async ({ page }) => {
  await page.goto('./#/learn');
  await page
    .locator('[data-lesson="log-to-recommender"]')
    .getByRole('button', { name: /^Start/ })
    .click();
  const panel = page.getByTestId('lesson-panel');
  // Past the training step without setting it up.
  await panel.getByTestId('lesson-next').click();
  await expect(panel.getByTestId('lesson-step-title')).toHaveText('Race it on new shoppers');
  await panel.getByTestId('lesson-setup').click();
  await expect(
    page.getByTestId('toast').filter({ hasText: 'There is no trained model to race yet' }),
  ).toBeVisible();
  await expect(page).toHaveURL(/#\/recsys$/);
  await expect(page.getByTestId('recsys-from-log')).toHaveCount(0);
  await expect(page.getByTestId('log-model-status')).toHaveText('Not trained yet.');
});
