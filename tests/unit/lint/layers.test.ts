/**
 * The layer and cycle rules of `npm run check` (tests/lint/layers.mjs), run
 * on code placed at real paths of src/core so imports resolve against the tree.
 */
import { ESLint } from 'eslint';
import ts from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import demandlab from '../../lint/layers.mjs';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: ts.parser },
      plugins: { demandlab },
      rules: { 'demandlab/layers': 'error', 'demandlab/no-cycle': 'error' },
    },
  ],
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rule', () => {
  it('lets a file import from its own layer and below', async () => {
    const code = [
      "import { sampleToy } from '../data/toy';",
      "import { createRandom } from '../random';",
      "import type { JobCheckpoint } from '../jobs/job';",
      'export const x = [sampleToy, createRandom] as unknown as JobCheckpoint;',
    ].join('\n');
    expect(await problems('src/core/gan/new-file.ts', code)).toEqual([]);
  });

  it('refuses an import from a layer above, type-only ones too', async () => {
    const code = "import type { GanConfig } from '../gan/config';\nexport type X = GanConfig;";
    expect(await problems('src/core/data/new-file.ts', code)).toEqual([
      'demandlab/layers: data (layer 2) must not import src/core/gan/config.ts from the layer above it (gan, layer 3)',
    ]);
  });

  it('keeps the labs apart', async () => {
    const code = "import { presetFor } from '../gan/config';\nexport const p = presetFor;";
    expect(await problems('src/core/rl/new-file.ts', code)).toEqual([
      'demandlab/layers: the labs stand side by side: rl must not import src/core/gan/config.ts',
    ]);
  });

  it('keeps core out of the page and the worker', async () => {
    const code =
      "import { TrainingHost } from '../../worker/host';\nexport const h = TrainingHost;";
    expect(await problems('src/core/jobs/new-file.ts', code)).toEqual([
      'demandlab/layers: src/core must not import src/worker/host.ts: core stays pure',
    ]);
  });
});

describe('cycle rule', () => {
  it('finds a loop through files on disk, type imports included', async () => {
    // random.ts is imported by data/holdout.ts; importing holdout back closes a loop.
    const code =
      "import type { HoldoutSplit } from './data/holdout';\nexport type H = HoldoutSplit;";
    expect(await problems('src/core/random.ts', code)).toEqual([
      'demandlab/layers: random.ts (layer 0) must not import src/core/data/holdout.ts from the layer above it (data, layer 2)',
      'demandlab/no-cycle: import cycle: src/core/random.ts → src/core/data/holdout.ts → src/core/random.ts',
    ]);
  });

  it('passes a file whose imports never lead back to it', async () => {
    expect(await problems('src/core/random.ts', "import { etaText } from './progress';")).toEqual(
      [],
    );
  });
});
