import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DRAWN_POINTS, presetFor } from '../../../src/core/gan/config';
import { defaultRecsysConfig } from '../../../src/core/rl/lab/config';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import type { Json } from '../../../src/core/store/schema';
import { decodeSetup, encodeSetup } from '../../../src/core/settings/share';
import { labConfigProblem } from '../../../src/core/settings/lab-configs';
import { PROFILE_COLUMNS } from '../../../src/core/rl/sim/profiles';

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
    // The toy's settings ride along in every GAN config, and are checked in every one.
    const gan = (over: Record<string, unknown>) =>
      labConfigProblem('gan', { ...presetFor('dcgan'), ...over } as unknown as Json);
    expect(gan({ toyDistribution: 'evil' })).toMatch(/unknown distribution evil/);
    expect(gan({ toyPoints: new Array(2 * MAX_DRAWN_POINTS + 2).fill(0.5) })).toMatch(
      /at most \d+ points/,
    );
    expect(gan({ toyPoints: [0.5] })).toMatch(/pairs of finite numbers/);
    expect(gan({})).toBeNull();
    // A synthetic population has as many columns as the shopper features make, not 20,000.
    const names = [
      'share: a',
      'share: other',
      ...Array.from({ length: 20_003 }, (_, i) => `c${i}`),
    ];
    const wide = {
      ...defaultRecsysConfig(),
      synthetic: {
        source: 'x',
        names,
        shares: 2,
        scale: { priceMin: 1, priceMax: 2, maxEvents: 3 },
        values: new Array(names.length).fill(0.5),
      },
    };
    expect(labConfigProblem('recsys', wide as unknown as Json)).toMatch(/at most 64 columns/);
    // A link is checked as strictly as a file: no prototype keys at any depth, exact fields.
    const link = (config: unknown) => decodeSetup('recsys', encodeSetup(config as Json)).problem;
    const population = {
      source: 'x',
      names: ['share: a', 'share: other', ...PROFILE_COLUMNS],
      shares: 2,
      scale: { priceMin: 1, priceMax: 2, maxEvents: 3 },
      values: new Array(2 + PROFILE_COLUMNS.length).fill(0.5),
    };
    expect(link({ ...defaultRecsysConfig(), synthetic: population })).toBeNull();
    // A saved session keeps fields the lab left undefined (IndexedDB clones them): it still opens.
    expect(
      labConfigProblem('recsys', { ...defaultRecsysConfig(), synthetic: undefined }),
    ).toBeNull();
    const hostile = (path: string) =>
      JSON.parse(
        JSON.stringify({ ...defaultRecsysConfig(), synthetic: population }).replace(
          path,
          `${path}"__proto__":{"polluted":1},`,
        ),
      ) as unknown;
    expect(link(hostile('"synthetic":{'))).toMatch(/"__proto__" is not allowed/);
    expect(link(hostile('"scale":{'))).toMatch(/"__proto__" is not allowed/);
    expect(link({ ...defaultRecsysConfig(), synthetic: { ...population, extra: 1 } })).toMatch(
      /unknown fields extra/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A reward that is not finite on the shop's steps would stop the race at once.
    expect(link({ ...defaultRecsysConfig(), reward: '1/0' })).toMatch(
      /reward: the reward is (-?Infinity|NaN) when/,
    );
    expect(link({ ...defaultRecsysConfig(), reward: 'log(price)' })).toMatch(
      /reward: the reward is (-?Infinity|NaN) when/,
    );
    // Settings an agent does not read must still be values the controls allow.
    const ucb = { ...agentSettings('ucb'), replay: -5 };
    expect(link({ ...defaultRecsysConfig(), agents: [ucb] })).toMatch(
      /replay size must be 100 to 100,000 \(kept, though this agent does not use it\)/,
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = decodeSetup('recsys', s);
        expect(r.problem === null ? r.config : r.problem).toBeTruthy();
      }),
      { numRuns: 500 },
    );
  });
});
