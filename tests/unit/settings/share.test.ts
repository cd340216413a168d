import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presetFor } from '../../../src/core/gan/config';
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import type { Json } from '../../../src/core/store/schema';
import { decodeSetup, encodeSetup } from '../../../src/core/settings/share';

describe('setup links', () => {
  it('round-trip a lab’s settings, and only as that lab’s', () => {
    const recsys = {
      ...defaultRecsysConfig('grocery'),
      seed: 42,
      reward: 'purchased * price',
      agents: [agentSettings('linucb')],
    };
    const text = encodeSetup(recsys as unknown as Json);
    expect(text).toMatch(/^[\w-]+$/); // safe in an address without escaping
    expect(decodeSetup('recsys', text)).toEqual({ config: recsys, problem: null });
    expect(decodeSetup('gan', text).problem).toMatch(/GAN model/);
    const gan = presetFor('toy');
    expect(decodeSetup('gan', encodeSetup(gan as unknown as Json)).config).toEqual(gan);
  });

  it('refuses damaged, hostile or invalid settings with a reason', () => {
    const good = encodeSetup(defaultRecsysConfig() as unknown as Json);
    expect(decodeSetup('recsys', good.slice(0, 20)).problem).toMatch(/damaged/);
    expect(decodeSetup('recsys', '%%%').problem).toMatch(/damaged/);
    const bad = { ...defaultRecsysConfig(), population: 0 };
    expect(decodeSetup('recsys', encodeSetup(bad as unknown as Json)).problem).toMatch(
      /population/,
    );
    const extra = { ...defaultRecsysConfig(), evil: 'x' };
    expect(decodeSetup('recsys', encodeSetup(extra as unknown as Json)).problem).toMatch(
      /unknown settings evil/,
    );
    expect(decodeSetup('recsys', 'a'.repeat(20_000)).problem).toMatch(/too long/);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = decodeSetup('recsys', s);
        expect(r.problem === null ? r.config : r.problem).toBeTruthy();
      }),
      { numRuns: 500 },
    );
  });
});
