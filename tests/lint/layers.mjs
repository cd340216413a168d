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
import { fileURLToPath } from 'node:url';
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

const ROOT = resolvePath(dirname(fileURLToPath(import.meta.url)), '..', '..');
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
 * A rule that checks each file of the project the linted file imports
 * (static, dynamic, type-only, `import()` types): `check` gets the linted
 * file and the imported one, and returns what is wrong, or null.
 * @param {string} description
 * @param {(file: string, target: string) => string | null} check
 * @returns {import('eslint').Rule.RuleModule}
 */
function importRule(description, check) {
  return {
    meta: { type: 'problem', docs: { description }, schema: [] },
    create(context) {
      const file = context.filename;
      /** @param {string} spec @param {import('estree').Node} node */
      const visit = (spec, node) => {
        const target = resolveImport(file, spec);
        const message = target === null ? null : check(file, target);
        if (message) context.report({ node, message });
      };
      /** @param {{ source?: import('estree').Node | null }} node */
      const fromSource = (node) => {
        const s = node.source;
        if (s && s.type === 'Literal' && typeof s.value === 'string')
          visit(s.value, /** @type {import('estree').Node} */ (node));
      };
      return {
        ImportDeclaration: fromSource,
        ExportNamedDeclaration: fromSource,
        ExportAllDeclaration: fromSource,
        ImportExpression: fromSource,
        /** `import('./x').Type` in a type position. @param {any} node (a TSImportType, which estree does not know) */
        TSImportType(node) {
          const lit = node.argument?.literal;
          if (lit && typeof lit.value === 'string') visit(lit.value, node);
        },
      };
    },
  };
}

const layers = importRule(
  'src/core imports only from its own layer or below (ARCHITECTURE.md)',
  (file, target) => {
    const unit = coreUnit(file);
    if (unit === null) return null;
    const rel = relative(ROOT, target);
    const to = coreUnit(target);
    if (to === null) return `src/core must not import ${rel}: core stays pure`;
    const own = layerOf(unit);
    if (own < 0) return `src/core/${unit} has no layer in CORE_LAYERS`;
    const theirs = layerOf(to);
    if (theirs > own)
      return `${unit} (layer ${own}) must not import ${rel} from the layer above it (${to}, layer ${theirs})`;
    if (LABS.has(unit) && LABS.has(to) && unit !== to)
      return `the labs stand side by side: ${unit} must not import ${rel}`;
    return null;
  },
);

const noCycle = importRule(
  'no file reaches itself through its imports (type imports too)',
  (file, target) => {
    const loop = target === file ? [file] : pathBack(target, file);
    return loop && `import cycle: ${[file, ...loop].map((f) => relative(ROOT, f)).join(' → ')}`;
  },
);

export default { rules: { layers, 'no-cycle': noCycle } };
