import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CONFIG } from '../../../src/core/demo/config';
import { GAN_MODELS, MAX_DRAWN_POINTS, presetFor } from '../../../src/core/gan/config';
import { LESSONS } from '../../../src/core/lessons/lessons';
import { lessonConfig } from '../../../src/core/lessons/setup';
import { AGENT_NAMES } from '../../../src/core/rl/agents/names';
import { madeUpPrior } from '../helpers/log-prior';
import { LOG_AGENTS } from '../../../src/core/rl/agents/names';
import {
  defaultRecsysConfig,
  demoRaceConfig,
  type RecsysConfig,
} from '../../../src/core/rl/lab/config';
import { agentSettings } from '../../../src/core/rl/agents/settings';
import type { Json, LabKind } from '../../../src/core/store/schema';
import {
  LOG_MODEL_LABELS,
  LOG_MODEL_PRESET,
  LOG_SOURCES,
  type LogModelName,
  type LogSource,
} from '../../../src/core/rl/models/log-model-config';
import { decodeSetup, encodeSetup } from '../../../src/core/settings/share';
import { readLabConfig } from '../../../src/core/settings/lab-configs';
import { PROFILE_COLUMNS } from '../../../src/core/rl/sim/profiles';
import { previewReward } from '../../../src/core/rl/lab/reward-preview';
import { NonFiniteRewardError } from '../../../src/core/rl/reward/shop-reward';

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
    expect(decodeSetup('recsys', text)).toEqual({ config: recsys, problem: null, notes: [] });
    expect(decodeSetup('gan', text).problem).toBe('the setting model is missing');
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
      /^unknown setting evil$/,
    );
    expect(decodeSetup('recsys', 'a'.repeat(20_000)).problem).toMatch(/too long/);
    // The toy's settings, checked where the toy uses them.
    const gan = (over: Record<string, unknown>) =>
      readLabConfig('gan', { ...presetFor('toy'), ...over } as unknown as Json).problem;
    expect(gan({ toyDistribution: 'evil' })).toMatch(
      /^toyDistribution must be one of ring, grid, moons, spiral, drawn, not "evil"$/,
    );
    expect(gan({ toyPoints: new Array(2 * MAX_DRAWN_POINTS + 2).fill(0.5) })).toMatch(
      /^toyPoints: draw at most \d+ points$/,
    );
    expect(gan({ toyPoints: new Array(3e6).fill(0.5) })).toMatch(/^toyPoints: Invalid length/);
    expect(gan({ toyPoints: [0.5] })).toMatch(/pairs of finite numbers/);
    expect(gan({ toyHidden: 3 })).toMatch(/^toyHidden: must be from 4 to 256$/);
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
    expect(readLabConfig('recsys', wide as unknown as Json).problem).toMatch(/at most 64 columns/);
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
      readLabConfig('recsys', { ...defaultRecsysConfig(), synthetic: undefined }).problem,
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
      /^unknown setting synthetic\.extra$/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A reward that is not finite on the shop's steps would stop the race at once.
    expect(link({ ...defaultRecsysConfig(), reward: '1/0' })).toMatch(
      /reward: the reward is (-?Infinity|NaN) when/,
    );
    expect(link({ ...defaultRecsysConfig(), reward: 'log(price)' })).toMatch(
      /reward: the reward is (-?Infinity|NaN) when/,
    );
    // One that breaks only on a shopper's 11th step: the page's preview reaches it, and so does the link's.
    const late = { ...defaultRecsysConfig(), reward: 'if(step > 10, 1/0, clicked)' };
    expect(() => previewReward(late)).toThrow(NonFiniteRewardError);
    expect(link(late)).toMatch(/reward: the reward is Infinity when .*step = 11/);
    // Settings an agent reads must be values its controls allow.
    const dqn = { ...agentSettings('dqn'), replay: -5 };
    expect(link({ ...defaultRecsysConfig(), agents: [dqn] })).toBe(
      'agents.0: the replay size must be 100 to 100,000',
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

describe('one config schema, wherever a config comes from', () => {
  const read = (lab: LabKind, config: unknown) =>
    readLabConfig(lab, JSON.parse(JSON.stringify(config)) as unknown);

  it('reads back every config the labs make, bit for bit and without notes', () => {
    const configs: [LabKind, unknown][] = [
      ['demo', DEFAULT_DEMO_CONFIG],
      ...GAN_MODELS.map((m) => ['gan', presetFor(m)] as ['gan', unknown]),
      ...AGENT_NAMES.map(
        (kind) =>
          [
            'recsys',
            {
              ...defaultRecsysConfig(),
              agents: [agentSettings(kind)],
              // CF and the two-headed network race only from a log: the race carries what it taught.
              ...(LOG_AGENTS.includes(kind) && { fromLog: madeUpPrior(defaultRecsysConfig()) }),
            },
          ] as ['recsys', unknown],
      ),
      ['recsys', demoRaceConfig()],
      ...(Object.keys(LOG_MODEL_LABELS) as LogModelName[]).flatMap((model) =>
        (Object.keys(LOG_SOURCES) as LogSource[]).map(
          (source) => ['log-model', { ...LOG_MODEL_PRESET, model, source }] as [LabKind, unknown],
        ),
      ),
    ];
    for (const [lab, config] of configs) {
      const r = read(lab, config);
      expect(r.problem).toBeNull();
      expect(r.notes).toEqual([]);
      expect(JSON.stringify(r.config)).toBe(JSON.stringify(config));
    }
  });

  it('keeps what an agent does not use when the controls allow it, and drops the rest with a note', () => {
    // Switching DQN to UCB1 on the page keeps DQN's tuning: it must survive a save and a link.
    const kept = { ...agentSettings('ucb'), replay: 20_000, hidden: 8, learningRate: 0.01 };
    const mine = read('recsys', { ...defaultRecsysConfig(), agents: [kept] });
    expect(mine).toEqual({
      problem: null,
      config: { ...defaultRecsysConfig(), agents: [kept] },
      notes: [],
    });
    // Values no control allows, a wrong type, or a setting left out, where the agent does not look.
    const ucb: Record<string, unknown> = {
      ...agentSettings('ucb'),
      replay: -5,
      gamma: 'x',
      adaptive: 1,
    };
    delete ucb.hidden;
    const r = read('recsys', {
      ...defaultRecsysConfig(),
      agents: [agentSettings('random'), ucb],
    });
    expect(r.problem).toBeNull();
    expect(r.notes).toEqual([
      'Agent 2 (UCB1) does not use gamma, adaptive and replay; they held values the lab does not allow, so they are back at the default.',
    ]);
    expect((r.config as unknown as RecsysConfig).agents[1]).toEqual(agentSettings('ucb'));
    // The same, once, for a value the agent does use: refused, naming it.
    expect(
      read('recsys', {
        ...defaultRecsysConfig(),
        agents: [{ ...agentSettings('dqn'), gamma: 'x' }],
      }).problem,
    ).toBe('agents.0.gamma must be a number, not "x"');
    expect(
      read('recsys', { ...defaultRecsysConfig(), agents: [{ ...agentSettings('ucb'), evil: 1 }] })
        .problem,
    ).toBe('unknown setting agents.0.evil');
    const noBonus: Record<string, unknown> = { ...agentSettings('ucb') };
    delete noBonus.ucbC;
    expect(read('recsys', { ...defaultRecsysConfig(), agents: [noBonus] }).problem).toBe(
      'the setting agents.0.ucbC is missing',
    );
  });

  it('drops an image model’s broken toy settings with a note, and keeps a drawing', () => {
    const drawn = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const dcgan = { ...presetFor('dcgan'), toyDistribution: 'drawn', toyPoints: drawn };
    expect(read('gan', dcgan)).toEqual({ problem: null, config: dcgan, notes: [] });
    const r = read('gan', { ...presetFor('dcgan'), toyDistribution: 'evil', toyHidden: 1e9 });
    expect(r.problem).toBeNull();
    expect(r.notes).toEqual([
      'This model does not use toyHidden and toyDistribution; they held values the lab does not allow, so they are back at the toy’s default.',
    ]);
    expect(r.config).toEqual(presetFor('dcgan'));
  });

  it('holds every lesson step’s settings to the same schema', () => {
    let steps = 0;
    for (const lesson of LESSONS)
      for (const step of lesson.steps) {
        // A race from a log takes its settings from the model the step before trained; an
        // evaluation is no session and no link (lessons.test.ts holds its settings to the form's checks).
        if (!step.setup || step.setup.lab === 'log-race' || step.setup.lab === 'ope') continue;
        const config = lessonConfig(step.setup);
        const r = read(step.setup.lab, config);
        expect(r.problem, `${lesson.id}: ${step.title}`).toBeNull();
        expect(r.notes).toEqual([]);
        expect(r.config).toEqual(JSON.parse(JSON.stringify(config)));
        steps++;
      }
    expect(steps).toBeGreaterThan(10);
  });

  it('reads a model run’s settings only as the models panel allows them', () => {
    const ok = { ...LOG_MODEL_PRESET, source: 'own' };
    expect(read('log-model', ok).problem).toBeNull();
    const refused: [unknown, RegExp][] = [
      [{ ...ok, model: 'gpt' }, /model must be one of cf, predictor, two-headed/],
      [{ ...ok, epochs: 0 }, /epochs: must be a whole number from 1 to 50/],
      [{ ...ok, source: 'simulated', sessions: 100_000 }, /sessions: must be a whole number/],
      [{ ...ok, log: 'shop.csv' }, /unknown setting log/],
      [{ model: 'cf' }, /the setting source is missing/],
    ];
    for (const [config, reason] of refused)
      expect(read('log-model', config).problem).toMatch(reason);
  });
});
