/**
 * Reward expressions: the user types the reward as a formula over one step's
 * events, e.g. `purchased * price - 0.5 * left + 0.1 * clicked`. jsep parses
 * it; our own compiler turns the tree into plain closures over an allow-list
 * of variables, operators and functions. Nothing else is reachable: no member
 * access, no calls outside the list, no strings, no `eval` or `new Function`
 * (the app runs under a strict CSP). Length, depth and size are bounded, and
 * every error carries the character range to mark in the editor.
 */
import jsep from 'jsep';

/** The variables a reward can read, in the order of a `RewardInputs` vector. */
export const REWARD_VARIABLES = [
  {
    name: 'clicked',
    doc: '1 when the shopper clicked an item of the slate this step, else 0',
  },
  { name: 'carted', doc: '1 when the clicked item went into the cart, else 0' },
  { name: 'purchased', doc: '1 when the shopper bought the clicked item, else 0' },
  {
    name: 'left',
    doc: '1 when the shopper left the shop after this step, else 0 (a session that hits its length limit ends without leaving)',
  },
  {
    name: 'price',
    doc: "the clicked item's price in units of the shop's median price (0 without a click); purchased * price is the revenue",
  },
  {
    name: 'margin',
    doc: "the shop's cut of the clicked item's price, in the same unit (0 without a click); purchased * margin is the profit",
  },
  { name: 'position', doc: 'slate position of the clicked item, 1 = first (0 without a click)' },
  {
    name: 'novelty',
    doc: 'the clicked item had not been shown to this shopper in their recent steps: 1, else 0 (0 without a click)',
  },
  {
    name: 'dwell',
    doc: 'seconds on the step: 5 to look at the slate, +25 on the product page, +10 to cart, +40 to check out',
  },
  { name: 'step', doc: "the step's number in the shopper's session, 1 = first" },
] as const;

export type RewardVariable = (typeof REWARD_VARIABLES)[number]['name'];
export const VARIABLE_COUNT = REWARD_VARIABLES.length;
/** Index of each variable in an inputs vector. */
export const V = Object.fromEntries(REWARD_VARIABLES.map((v, i) => [v.name, i])) as Record<
  RewardVariable,
  number
>;

type Fn = (args: number[]) => number;
interface FunctionSpec {
  doc: string;
  /** Smallest and largest argument count. */
  arity: [number, number];
  apply: Fn;
}

/** The functions a reward can call, and nothing else. */
export const REWARD_FUNCTIONS: Record<string, FunctionSpec> = {
  min: { doc: 'smallest of its arguments', arity: [1, 16], apply: (a) => Math.min(...a) },
  max: { doc: 'largest of its arguments', arity: [1, 16], apply: (a) => Math.max(...a) },
  abs: { doc: 'absolute value', arity: [1, 1], apply: (a) => Math.abs(a[0]!) },
  log: { doc: 'natural logarithm', arity: [1, 1], apply: (a) => Math.log(a[0]!) },
  exp: { doc: 'e to the power x', arity: [1, 1], apply: (a) => Math.exp(a[0]!) },
  sqrt: { doc: 'square root', arity: [1, 1], apply: (a) => Math.sqrt(a[0]!) },
  clamp: {
    doc: 'clamp(x, lo, hi): x held inside [lo, hi]',
    arity: [3, 3],
    apply: (a) => Math.min(Math.max(a[0]!, a[1]!), a[2]!),
  },
  if: {
    doc: 'if(condition, then, else): then when the condition is not 0, else otherwise',
    arity: [3, 3],
    apply: (a) => (a[0] !== 0 ? a[1]! : a[2]!),
  },
};

/** Operators: arithmetic, comparisons and logic; comparisons and logic give 1 or 0. */
const BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '**': (a, b) => a ** b,
  '<': (a, b) => +(a < b),
  '>': (a, b) => +(a > b),
  '<=': (a, b) => +(a <= b),
  '>=': (a, b) => +(a >= b),
  '==': (a, b) => +(a === b),
  '!=': (a, b) => +(a !== b),
};
const UNARY: Record<string, (a: number) => number> = {
  '-': (a) => -a,
  '+': (a) => a,
  '!': (a) => +(a === 0),
};
/** Hints for operators people reach for that mean something else here. */
const OPERATOR_HINTS: Record<string, string> = {
  '^': 'use ** for powers (^ is not allowed)',
  '===': 'use == to compare',
  '!==': 'use != to compare',
  '??': 'use if(condition, then, else)',
};

export const MAX_LENGTH = 500;
export const MAX_DEPTH = 24;
export const MAX_NODES = 200;

/** A problem with an expression, and where it is (character offsets, end exclusive). */
export class RewardError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'RewardError';
  }
}

type Compiled = (v: Float64Array) => number;

/** A checked, compiled reward. */
export interface RewardProgram {
  source: string;
  /** The reward of one step, from its inputs (length VARIABLE_COUNT). May be non-finite: callers check. */
  evaluate: (inputs: Float64Array) => number;
  /** Which variables it reads. */
  uses: ReadonlySet<RewardVariable>;
}

/**
 * Finds where a name or symbol occurs in the source, as a whole token, so an
 * error about it can be marked (jsep's tree keeps no positions).
 */
function locate(source: string, token: string, occurrence = 0): [number, number] {
  const word = /^\w+$/.test(token);
  let from = 0;
  let seen = 0;
  for (;;) {
    const at = source.indexOf(token, from);
    if (at < 0) return [0, source.length];
    const before = source[at - 1] ?? ' ';
    const after = source[at + token.length] ?? ' ';
    const whole = !word || (!/[\w$]/.test(before) && !/[\w$]/.test(after));
    if (whole && seen++ === occurrence) return [at, at + token.length];
    from = at + 1;
  }
}

function describe(node: jsep.Expression): string {
  switch (node.type) {
    case 'MemberExpression':
      return 'member access (a.b or a[b])';
    case 'ThisExpression':
      return '"this"';
    case 'ArrayExpression':
      return 'a list [ … ]';
    case 'Compound':
    case 'SequenceExpression':
      return 'several expressions';
    default:
      return node.type;
  }
}

function firstSymbol(node: jsep.Expression): string {
  if (node.type === 'Identifier') return (node as jsep.Identifier).name;
  if (node.type === 'MemberExpression') return (node as jsep.MemberExpression).computed ? '[' : '.';
  if (node.type === 'ArrayExpression') return '[';
  if (node.type === 'ThisExpression') return 'this';
  return '';
}

class Compiler {
  nodes = 0;
  readonly uses = new Set<RewardVariable>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly source: string) {}

  private fail(message: string, token: string): never {
    const n = this.seen.get(token) ?? 0;
    const [start, end] = token ? locate(this.source, token, n) : [0, this.source.length];
    throw new RewardError(message, start, end);
  }

  compile(node: jsep.Expression, depth: number): Compiled {
    if (++this.nodes > MAX_NODES)
      throw new RewardError(
        `the reward is too big (over ${MAX_NODES} parts)`,
        0,
        this.source.length,
      );
    if (depth > MAX_DEPTH)
      throw new RewardError(
        `the reward nests too deep (over ${MAX_DEPTH} levels)`,
        0,
        this.source.length,
      );
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        if (typeof value === 'number' && Number.isFinite(value)) return () => value;
        if (typeof value === 'boolean') {
          const n = +value;
          return () => n;
        }
        return this.fail(
          `only numbers are allowed, not ${JSON.stringify(value)}`,
          (node as jsep.Literal).raw,
        );
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        const i = REWARD_VARIABLES.findIndex((v) => v.name === name);
        if (i < 0) {
          const hint = Object.hasOwn(REWARD_FUNCTIONS, name) ? `; call it as ${name}(…)` : '';
          this.fail(
            `unknown variable "${name}"${hint}; use ${REWARD_VARIABLES.map((v) => v.name).join(', ')}`,
            name,
          );
        }
        this.uses.add(name as RewardVariable);
        this.seen.set(name, (this.seen.get(name) ?? 0) + 1);
        return (v) => v[i]!;
      }
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        const op = UNARY[u.operator];
        if (!op) this.fail(`the operator ${u.operator} is not allowed`, u.operator);
        const arg = this.compile(u.argument, depth + 1);
        return (v) => op(arg(v));
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        if (b.operator === '&&' || b.operator === '||') {
          const l = this.compile(b.left, depth + 1);
          const r = this.compile(b.right, depth + 1);
          return b.operator === '&&'
            ? (v) => +(l(v) !== 0 && r(v) !== 0)
            : (v) => +(l(v) !== 0 || r(v) !== 0);
        }
        const op = BINARY[b.operator];
        if (!op)
          this.fail(
            OPERATOR_HINTS[b.operator] ?? `the operator ${b.operator} is not allowed`,
            b.operator,
          );
        const l = this.compile(b.left, depth + 1);
        const r = this.compile(b.right, depth + 1);
        return (v) => op(l(v), r(v));
      }
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const test = this.compile(c.test, depth + 1);
        const yes = this.compile(c.consequent, depth + 1);
        const no = this.compile(c.alternate, depth + 1);
        return (v) => (test(v) !== 0 ? yes(v) : no(v));
      }
      case 'CallExpression': {
        const call = node as jsep.CallExpression;
        if (call.callee.type !== 'Identifier')
          this.fail('only the listed functions can be called', firstSymbol(call.callee) || '(');
        const name = (call.callee as jsep.Identifier).name;
        if (!Object.hasOwn(REWARD_FUNCTIONS, name))
          this.fail(
            `unknown function "${name}"; use ${Object.keys(REWARD_FUNCTIONS).join(', ')}`,
            name,
          );
        const spec = REWARD_FUNCTIONS[name]!;
        const n = call.arguments.length;
        const [lo, hi] = spec.arity;
        if (n < lo || n > hi)
          this.fail(
            `${name} takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? '' : 's'}, got ${n}`,
            name,
          );
        this.seen.set(name, (this.seen.get(name) ?? 0) + 1);
        const args = call.arguments.map((a) => this.compile(a, depth + 1));
        if (name === 'if') {
          // Only the chosen branch runs, like the ternary.
          const [test, yes, no] = args as [Compiled, Compiled, Compiled];
          return (v) => (test(v) !== 0 ? yes(v) : no(v));
        }
        const buffer: number[] = new Array<number>(n);
        return (v) => {
          for (let i = 0; i < n; i++) buffer[i] = args[i]!(v);
          return spec.apply(buffer);
        };
      }
      default:
        return this.fail(`${describe(node)} is not allowed in a reward`, firstSymbol(node));
    }
  }
}

/**
 * Parses and compiles a reward expression. Throws a RewardError with the
 * position of the first problem; never anything else, whatever the input.
 */
export function compileReward(source: string): RewardProgram {
  if (typeof source !== 'string') throw new RewardError('the reward must be text', 0, 0);
  if (source.length > MAX_LENGTH)
    throw new RewardError(
      `the reward is ${source.length} characters long; keep it to ${MAX_LENGTH}`,
      MAX_LENGTH,
      source.length,
    );
  if (source.trim() === '') throw new RewardError('write a reward, e.g. clicked', 0, 0);
  let tree: jsep.Expression;
  try {
    tree = jsep(source);
  } catch (e) {
    const err = e as { index?: unknown; description?: unknown; message?: unknown };
    const at = typeof err.index === 'number' ? Math.min(err.index, source.length) : 0;
    const text = typeof err.description === 'string' ? err.description : String(err.message);
    throw new RewardError(`${text} (at character ${at + 1})`, at, Math.min(at + 1, source.length));
  }
  const compiler = new Compiler(source);
  let run: Compiled;
  try {
    run = compiler.compile(tree, 0);
  } catch (e) {
    if (e instanceof RewardError) throw e;
    // A tree deep enough to exhaust the stack, or anything unforeseen: still a clear message.
    throw new RewardError('the reward could not be read', 0, source.length);
  }
  return { source, evaluate: run, uses: compiler.uses };
}

/** The documented reward presets, as expressions. */
export const REWARD_EXPRESSIONS = [
  { name: 'clicks', label: 'Clicks', source: 'clicked' },
  { name: 'purchases', label: 'Purchases', source: 'purchased' },
  { name: 'revenue', label: 'Revenue', source: 'purchased * price' },
  {
    name: 'margin-churn',
    label: 'Margin minus churn',
    source: 'purchased * margin - 0.1 * left * (1 - purchased)',
  },
  {
    name: 'engaged-revenue',
    label: 'Revenue, clicks and churn',
    source: 'purchased * price - 0.5 * left + 0.1 * clicked',
  },
  {
    name: 'top-slot',
    label: 'Clicks near the top',
    source: 'if(clicked, 1 / position, 0) + 0.2 * novelty * clicked',
  },
] as const;
