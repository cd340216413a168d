/**
 * Two ESLint rules that keep src/ walkable (ARCHITECTURE.md, "Layers"):
 *
 * - `demandlab/layers`: inside src/core a file imports only from its own
 *   layer or below, and the labs (gan, rl, demo) never import each other.
 * - `demandlab/no-cycle`: no file in src/ reaches itself through its imports.
 *
 * Both count type-only and dynamic imports: a type loop still ties two
 * modules together for a reader. eslint-plugin-import's no-cycle skips type
 * imports and needs a resolver package with install scripts, hence these
 * few lines of our own.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import ts from 'typescript';

/**
 * src/core's layers, bottom first. An entry is a folder or a file directly
 * under src/core; a file imports only from its own layer or one below it.
 */
export const CORE_LAYERS = [
  ['store', 'random.ts', 'progress.ts'],
  ['compute', 'kernels'],
  ['data', 'jobs'],
  ['gan', 'rl', 'demo'],
  ['protocol.ts'],
  ['settings', 'lessons'],
];

/** The labs: one layer, but side by side, never importing each other. */
const LABS = new Set(['gan', 'rl', 'demo']);

const ROOT = resolvePath(dirname(new URL(import.meta.url).pathname), '..', '..');
const CORE = join(ROOT, 'src', 'core');

/** @param {string} file */
function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The file an import names, as the bundler finds it; null for packages.
 * @param {string} from @param {string} spec
 */
function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = join(dirname(from), spec.replace(/\?.*$/, ''));
  for (const candidate of [base, `${base}.ts`, `${base}.svelte.ts`, join(base, 'index.ts')])
    if (isFile(candidate)) return candidate;
  if (base.endsWith('.js') && isFile(`${base.slice(0, -3)}.ts`)) return `${base.slice(0, -3)}.ts`;
  return null;
}

/** @param {string} file the first folder (or file) under src/core, or null outside it */
function coreUnit(file) {
  const rel = relative(CORE, file);
  if (rel.startsWith('..') || rel === '') return null;
  return rel.split(sep)[0] ?? null;
}

/** @param {string} unit */
function layerOf(unit) {
  return CORE_LAYERS.findIndex((layer) => layer.includes(unit));
}

/** @type {Map<string, { mtime: number, deps: string[] }>} */
const graph = new Map();

/**
 * Every file `file` imports (static, dynamic and type-only), read from disk.
 * @param {string} file
 * @returns {string[]}
 */
function importsOf(file) {
  const mtime = statSync(file).mtimeMs;
  const known = graph.get(file);
  if (known && known.mtime === mtime) return known.deps;
  let text = readFileSync(file, 'utf8');
  if (file.endsWith('.svelte'))
    text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  const deps = ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => resolveImport(file, f.fileName))
    .filter((f) => f !== null);
  graph.set(file, { mtime, deps });
  return deps;
}

/**
 * A path of imports from `start` back to `goal`, or null.
 * @param {string} start @param {string} goal
 */
function pathBack(start, goal) {
  /** @type {Map<string, string | null>} */
  const cameFrom = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = /** @type {string} */ (queue.shift());
    for (const next of importsOf(at)) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, at);
      if (next === goal) {
        /** @type {string[]} */
        const path = [];
        for (let f = /** @type {string | null | undefined} */ (next); f; f = cameFrom.get(f))
          path.unshift(f);
        return path;
      }
      queue.push(next);
    }
  }
  return null;
}

/**
 * Calls `check` with every module name the file imports, and the node to report on.
 * @param {(spec: string, node: import('estree').Node) => void} check
 * @returns {import('eslint').Rule.RuleListener}
 */
function eachImport(check) {
  /** @param {{ source?: import('estree').Node | null }} node */
  const fromSource = (node) => {
    const s = node.source;
    if (s && s.type === 'Literal' && typeof s.value === 'string')
      check(s.value, /** @type {import('estree').Node} */ (node));
  };
  return {
    ImportDeclaration: fromSource,
    ExportNamedDeclaration: fromSource,
    ExportAllDeclaration: fromSource,
    ImportExpression: fromSource,
    /** `import('./x').Type` in a type position. @param {any} node (a TSImportType, which estree does not know) */
    TSImportType(node) {
      const lit = node.argument?.literal;
      if (lit && typeof lit.value === 'string') check(lit.value, node);
    },
  };
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'src/core imports only from its own layer or below (ARCHITECTURE.md)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const unit = coreUnit(file);
    if (unit === null) return {};
    const own = layerOf(unit);
    return eachImport((spec, node) => {
      const target = resolveImport(file, spec);
      if (target === null) return;
      const rel = relative(ROOT, target);
      const to = coreUnit(target);
      if (to === null) {
        context.report({ node, message: `src/core must not import ${rel}: core stays pure` });
        return;
      }
      if (own < 0) {
        context.report({ node, message: `src/core/${unit} has no layer in CORE_LAYERS` });
        return;
      }
      const theirs = layerOf(to);
      if (theirs > own)
        context.report({
          node,
          message: `${unit} (layer ${own}) must not import ${rel} from the layer above it (${to}, layer ${theirs})`,
        });
      else if (LABS.has(unit) && LABS.has(to) && unit !== to)
        context.report({
          node,
          message: `the labs stand side by side: ${unit} must not import ${rel}`,
        });
    });
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'no file reaches itself through its imports (type imports too)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    return eachImport((spec, node) => {
      const target = resolveImport(file, spec);
      if (target === null) return;
      const loop = target === file ? [file] : pathBack(target, file);
      if (loop)
        context.report({
          node,
          message: `import cycle: ${[file, ...loop].map((f) => relative(ROOT, f)).join(' → ')}`,
        });
    });
  },
};

export default { rules: { layers, 'no-cycle': noCycle } };
