import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/random';
import {
  compileReward,
  MAX_DEPTH,
  MAX_LENGTH,
  REWARD_EXPRESSIONS,
  REWARD_FUNCTIONS,
  REWARD_VARIABLES,
  RewardError,
  V,
  VARIABLE_COUNT,
} from '../../../src/core/rl/reward/expression';
import { REWARD_PRESETS } from '../../../src/core/rl/reward/presets';
import {
  ExpressionReward,
  LinearReward,
  NonFiniteRewardError,
  writeInputs,
} from '../../../src/core/rl/reward/shop-reward';
import { generateCatalog } from '../../../src/core/rl/sim/catalog';
import { shopPreset } from '../../../src/core/rl/sim/presets';
import { ShopEnv } from '../../../src/core/rl/sim/shop-env';
import { emptyEvents, ShopperPool, SlateProbabilities } from '../../../src/core/rl/sim/shoppers';

function inputs(values: Partial<Record<(typeof REWARD_VARIABLES)[number]['name'], number>>) {
  const x = new Float64Array(VARIABLE_COUNT);
  for (const [k, v] of Object.entries(values)) x[V[k as keyof typeof V]] = v;
  return x;
}

function errorOf(source: string): RewardError {
  try {
    compileReward(source);
  } catch (e) {
    if (e instanceof RewardError) return e;
    throw e;
  }
  throw new Error(`"${source}" compiled`);
}

describe('reward expressions', () => {
  it('evaluates arithmetic, comparisons, logic, the ternary and every function', () => {
    const x = inputs({ clicked: 1, purchased: 1, price: 2.5, left: 0, position: 3, step: 4 });
    const cases: [string, number][] = [
      ['purchased * price - 0.5 * left + 0.1 * clicked', 2.6],
      ['2 ** 3 - 10 % 4 / 2', 7],
      ['-price + +1', -1.5],
      ['price > 2 && !left', 1],
      ['price < 2 || left', 0],
      ['position == 3 ? 10 : 20', 10],
      ['position != 3', 0],
      ['price >= 2.5 && price <= 2.5', 1],
      ['min(price, 1, 3) + max(step, 2)', 5],
      ['abs(-2) + sqrt(16) + log(exp(2))', 8],
      ['clamp(price, 0, 1) + clamp(-5, 0, 1)', 1],
      ['if(clicked, 1 / position, 0)', 1 / 3],
      ['if(left, log(0), 7)', 7],
      ['true + false', 1],
    ];
    for (const [source, want] of cases)
      expect(compileReward(source).evaluate(x), source).toBeCloseTo(want, 12);
  });

  it('lists the variables an expression reads', () => {
    expect([...compileReward('purchased * price + 0.1 * clicked').uses].sort()).toEqual([
      'clicked',
      'price',
      'purchased',
    ]);
  });

  it('rejects what is outside the allow-list, marking where', () => {
    const cases: [string, RegExp, string][] = [
      ['purchased * prize', /unknown variable "prize"/, 'prize'],
      ['price.constructor', /member access/, '.'],
      ['clicked + price["x"]', /member access|not allowed/, '['],
      ['alert(1)', /unknown function "alert"/, 'alert'],
      ['clicked ^ 2', /use \*\* for powers/, '^'],
      ['clicked === 1', /use == to compare/, '==='],
      ['"text"', /only numbers/, '"text"'],
      ['this', /"this"/, 'this'],
      ['[1, 2]', /a list/, '['],
      ['min', /call it as min/, 'min'],
      ['clamp(price, 1)', /clamp takes 3 arguments, got 2/, 'clamp'],
      ['abs(1, 2)', /abs takes 1 argument, got 2/, 'abs'],
      ['clicked | 1', /operator \| is not allowed/, '|'],
      ['~clicked', /operator ~ is not allowed/, '~'],
      ['clicked; price', /several expressions/, ''],
    ];
    for (const [source, message, token] of cases) {
      const e = errorOf(source);
      expect(e.message, source).toMatch(message);
      if (token) expect(source.slice(e.start, e.end), source).toBe(token);
    }
  });

  it('reports parse errors at their character', () => {
    const e = errorOf('purchased * (price + ');
    expect(e.start).toBeGreaterThanOrEqual(19);
    expect(e.message).toMatch(/at character/);
    expect(errorOf('   ').message).toMatch(/write a reward/);
  });

  it('bounds the length and the depth', () => {
    expect(errorOf('1+'.repeat(MAX_LENGTH) + '1').message).toMatch(/characters long/);
    const deep = '('.repeat(MAX_DEPTH + 2) + 'clicked' + ')'.repeat(MAX_DEPTH + 2);
    expect(compileReward(deep).evaluate(inputs({ clicked: 1 }))).toBe(1); // parentheses alone add no depth
    const nested = 'abs('.repeat(MAX_DEPTH + 1) + 'clicked' + ')'.repeat(MAX_DEPTH + 1);
    expect(errorOf(nested).message).toMatch(/nests too deep/);
  });

  it('compiles every preset, and each uses only documented variables', () => {
    for (const p of REWARD_EXPRESSIONS) {
      const program = compileReward(p.source);
      for (const u of program.uses) expect(REWARD_VARIABLES.map((v) => v.name)).toContain(u);
    }
  });
});

/** Generates expression sources and whether they should compile. */
const allowedNames = REWARD_VARIABLES.map((v) => v.name);
const forbiddenNames = [
  'constructor',
  '__proto__',
  'prototype',
  'globalThis',
  'window',
  'self',
  'Function',
  'eval',
  'process',
  'require',
  'import',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'Math',
];
type Gen = { src: string; ok: boolean };
const expr: fc.Arbitrary<Gen> = fc.letrec<{ e: Gen }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...allowedNames).map((n) => ({ src: n, ok: true })),
    fc.constantFrom(...forbiddenNames).map((n) => ({ src: n, ok: false })),
    fc.double({ min: 0, max: 1000, noNaN: true }).map((d) => ({ src: String(d), ok: true })),
    fc
      .tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '<', '>=', '==', '&&', '||'), tie('e'))
      .map(([a, op, b]) => ({ src: `(${a.src} ${op} ${b.src})`, ok: a.ok && b.ok })),
    fc
      .tuple(tie('e'), fc.constantFrom('^', '|', '&', '>>', '===', '??'), tie('e'))
      .map(([a, op, b]) => ({
        src: `(${a.src} ${op} ${b.src})`,
        ok: false,
      })),
    fc.tuple(fc.constantFrom('abs', 'log', 'sqrt', 'exp'), tie('e')).map(([f, a]) => ({
      src: `${f}(${a.src})`,
      ok: a.ok,
    })),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => ({
      src: `if(${a.src}, ${b.src}, ${c.src})`,
      ok: a.ok && b.ok && c.ok,
    })),
    fc
      .tuple(tie('e'), tie('e'))
      .map(([a, b]) => ({ src: `${a.src} ? ${b.src} : 0`, ok: a.ok && b.ok })),
    fc.tuple(tie('e'), fc.constantFrom(...forbiddenNames, 'x')).map(([a, p]) => ({
      src: `${a.src}.${p}`,
      ok: false,
    })),
    fc.tuple(fc.constantFrom(...forbiddenNames, 'fetch', 'setTimeout'), tie('e')).map(([f, a]) => ({
      src: `${f}(${a.src})`,
      ok: false,
    })),
    fc.tuple(tie('e'), fc.string({ maxLength: 6 })).map(([a, s]) => ({
      src: `${a.src} + ${JSON.stringify(s)}`,
      ok: false,
    })),
  ),
})).e;

describe('reward expressions, fuzzed', () => {
  it('never throws anything but a RewardError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'binary' }), (s) => {
        try {
          const p = compileReward(s);
          expect(typeof p.evaluate(new Float64Array(VARIABLE_COUNT))).toBe('number');
        } catch (e) {
          expect(e).toBeInstanceOf(RewardError);
          const err = e as RewardError;
          expect(err.start).toBeGreaterThanOrEqual(0);
          expect(err.end).toBeLessThanOrEqual(Math.max(s.length, 0) + 1);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('also for text made of the language’s own tokens', () => {
    const token = fc.constantFrom(
      ...allowedNames,
      ...Object.keys(REWARD_FUNCTIONS),
      ...forbiddenNames,
      '(',
      ')',
      ',',
      '.',
      '[',
      ']',
      '?',
      ':',
      '+',
      '-',
      '*',
      '**',
      '/',
      '!',
      '&&',
      '1',
      '0.5',
      ' ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        const s = tokens.join('');
        try {
          compileReward(s);
        } catch (e) {
          expect(e).toBeInstanceOf(RewardError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('compiles exactly the expressions that stay inside the allow-list, and they only compute numbers', () => {
    const canary = globalThis as { pwned?: boolean };
    fc.assert(
      fc.property(
        expr,
        fc.array(fc.double({ noNaN: false }), {
          minLength: VARIABLE_COUNT,
          maxLength: VARIABLE_COUNT,
        }),
        (g, xs) => {
          if (g.src.length > MAX_LENGTH) return;
          let compiled = false;
          try {
            const p = compileReward(g.src);
            compiled = true;
            for (const u of p.uses) expect(allowedNames).toContain(u);
            expect(typeof p.evaluate(Float64Array.from(xs))).toBe('number');
          } catch (e) {
            expect(e).toBeInstanceOf(RewardError);
            if (/too big|too deep/.test((e as Error).message)) return;
          }
          expect(compiled, g.src).toBe(g.ok);
        },
      ),
      { numRuns: 2000 },
    );
    expect(canary.pwned).toBeUndefined();
  });
});

describe('expression rewards in the shop', () => {
  const config = { ...shopPreset('fashion'), slateSize: 3 };
  const catalog = generateCatalog(config.catalog, 1);

  /** A pool some steps into sessions, so fatigue, novelty and budgets are in play. */
  function warmPool(seed: number): ShopperPool {
    const pool = new ShopperPool(1, config.shoppers, catalog, seed);
    pool.spawn(0);
    const rng = createRandom(seed + 9);
    const p = new SlateProbabilities(3);
    for (let t = 0; t < 3; t++) {
      const slate = [rng.int(40), 40 + rng.int(40), 80 + rng.int(40)];
      const e = pool.sample(0, slate, pool.probabilities(0, slate, p), emptyEvents());
      e.left = false;
      pool.advance(0, slate, e);
    }
    return pool;
  }

  it('gives the same rewards and expectations as the equivalent weights', () => {
    const linear = new LinearReward(REWARD_PRESETS['margin-churn'].weights);
    const expression = new ExpressionReward('purchased * margin - 0.1 * left * (1 - purchased)');
    const rng = createRandom(5);
    for (let seed = 1; seed <= 20; seed++) {
      const pool = warmPool(seed);
      const slate = [rng.int(400), 0, 1].map((a, s) => (s === 0 ? Math.max(2, a) : a));
      const p = pool.probabilities(0, slate, new SlateProbabilities(3));
      expect(expression.expected(pool, 0, slate, p)).toBeCloseTo(
        linear.expected(pool, 0, slate, p),
        12,
      );
      for (let k = 0; k < 20; k++) {
        const e = pool.sample(0, slate, p, emptyEvents());
        expect(expression.observed(pool, 0, slate, e)).toBeCloseTo(
          linear.observed(pool, 0, slate, e),
          12,
        );
      }
    }
  });

  it('expects what sampling averages to, for a nonlinear reward', () => {
    const reward = new ExpressionReward(
      'if(clicked, 1 / position, 0) + novelty * clicked + 0.01 * step * dwell - 2 * left * !purchased + purchased * price ** 2',
    );
    const pool = warmPool(3);
    const slate = [5, 17, 230];
    const p = pool.probabilities(0, slate, new SlateProbabilities(3));
    const want = reward.expected(pool, 0, slate, p);
    const n = 60_000;
    let sum = 0;
    let sq = 0;
    for (let k = 0; k < n; k++) {
      const r = reward.observed(pool, 0, slate, pool.sample(0, slate, p, emptyEvents()));
      sum += r;
      sq += r * r;
    }
    const mean = sum / n;
    const se = Math.sqrt((sq / n - mean * mean) / n);
    expect(Math.abs(mean - want)).toBeLessThan(4 * se);
  });

  it('refuses a reward that is not finite for some outcome, naming the inputs', () => {
    const env = new ShopEnv(shopPreset('electronics'), { seed: 1, reward: 'log(price)' });
    env.reset();
    expect(() => env.step(0)).toThrow(NonFiniteRewardError);
    expect(() => env.step(0)).toThrow(/clicked = 0/);
  });

  it('fills the documented inputs, dwell included', () => {
    const x = writeInputs(new Float64Array(VARIABLE_COUNT), true, true, false, 1, 2, 0.5, true, 4);
    expect(Array.from(x)).toEqual([1, 1, 1, 0, 2, 0.5, 2, 1, 80, 4]);
    const none = writeInputs(
      new Float64Array(VARIABLE_COUNT),
      false,
      false,
      true,
      -1,
      2,
      0.5,
      true,
      1,
    );
    expect(Array.from(none)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 5, 1]);
  });
});
