#!/usr/bin/env node
/**
 * `npm run bench:gpu`: the GAN lab's models on a real GPU's WebGPU, for a
 * machine that has a GPU but no browser (a lent GPU server). Three verbs:
 *
 *   pack     bundles tests/bench/gpu-node.ts and all it imports into
 *            .gpu/bench/bench.mjs, beside tfjs's .wasm files and Dawn for
 *            node (the `webgpu` npm package at DAWN_VERSION, fetched with
 *            `npm pack` once: it ships prebuilt binaries for every platform,
 *            too heavy to be a dependency of the app), and with `--node`
 *            this node, xz-compressed, for a machine without one. The
 *            folder and tests/bench/gpu-run.sh are all the machine needs
 *            (with public/data/mnist).
 *   local    packs, then runs a short bench here, on the SwiftShader
 *            Vulkan driver that Debian's chromium ships, to check the path
 *            end to end (SwiftShader's figures say nothing about GPUs).
 *   report   turns gpu-run.sh's JSON lines into tests/bench/results/gpu-<gpu>-<date>.md
 *            and, from a GPU, gpu-latest.md (the performance record's last section).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, '.gpu');
const DAWN_VERSION = '0.6.2';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** @param {boolean} withNode */
async function pack(withNode) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    publicDir: false,
    build: {
      ssr: join(root, 'tests/bench/gpu-node.ts'),
      outDir: join(out, 'bench'),
      emptyOutDir: true,
      minify: false,
      rolldownOptions: {
        output: {
          entryFileNames: 'bench.mjs',
          codeSplitting: false,
          // tfjs-backend-wasm's Emscripten loader is CommonJS and reads these in node.
          banner: [
            "import { createRequire as __cr } from 'node:module';",
            "import { dirname as __dn } from 'node:path';",
            "import { fileURLToPath as __fp } from 'node:url';",
            'const require = __cr(import.meta.url);',
            'const __filename = __fp(import.meta.url);',
            'const __dirname = __dn(__filename);',
          ].join('\n'),
        },
      },
    },
    // Everything in the one file: the machine has no node_modules.
    ssr: { noExternal: true, target: 'node' },
  });
  const wasm = join(out, 'wasm');
  mkdirSync(wasm, { recursive: true });
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ])
    copyFileSync(join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', f), join(wasm, f));
  const dawn = join(out, 'dawn');
  if (!existsSync(join(dawn, 'index.js'))) {
    mkdirSync(dawn, { recursive: true });
    const tgz = execFileSync('npm', ['pack', `webgpu@${DAWN_VERSION}`, '--silent'], {
      cwd: out,
      encoding: 'utf8',
    }).trim();
    const binary = `package/dist/${process.platform}-${process.arch}/dawn.node`;
    execFileSync('tar', [
      'xzf',
      join(out, tgz),
      '-C',
      dawn,
      '--strip-components=1',
      'package/index.js',
      'package/package.json',
      binary,
    ]);
    rmSync(join(out, tgz));
    // Dawn's module loads `dist/<platform>-<arch>/dawn.node`; x86-64 Linux is what GPU servers run.
    execFileSync('xz', ['-T0', '-6', join(dawn, binary.replace('package/', ''))]);
  }
  if (withNode && !existsSync(join(out, 'node.xz')))
    execFileSync('sh', ['-c', 'xz -T0 -6 -c "$0" > "$1"', process.execPath, join(out, 'node.xz')]);
  console.log(`bench:gpu: packed ${out}`);
}

function local() {
  if (!existsSync(SWIFTSHADER_ICD))
    throw new Error(`no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD}`);
  const result = spawnSync(
    'bash',
    [
      join(root, 'tests/bench/gpu-run.sh'),
      join(out, 'local.jsonl'),
      '--models',
      'toy',
      '--batches',
      '128',
      '--seconds',
      '1',
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        VK_ICD_FILENAMES: SWIFTSHADER_ICD,
        XDG_RUNTIME_DIR: '/tmp',
        TORCH: 'none',
      },
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  report(join(out, 'local.jsonl'), out);
}

/** @param {number} n */
const fmt = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2));
/** @param {string} s */
const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * @typedef {{ kind?: string, model: string, backend?: string, batch: number, stepsPerSecond: number, dispatches?: number | null, label?: string, [k: string]: any }} Row
 */

/**
 * The batch sizes from which WebGPU beats WASM, in words.
 * @param {number[]} batches
 * @param {(Row | undefined)[]} gpu
 * @param {(Row | undefined)[]} wasm
 */
function crossover(batches, gpu, wasm) {
  const wins = batches.map(
    (_, i) => gpu[i] && wasm[i] && gpu[i].stepsPerSecond > wasm[i].stepsPerSecond,
  );
  if (!wins.some(Boolean)) return 'none: WASM is faster at every batch';
  const from = wins.findIndex(Boolean);
  if (wins.slice(from).every(Boolean))
    return from === 0
      ? `WebGPU faster from batch ${batches[0]} (all)`
      : `WebGPU faster from batch ${batches[from]}`;
  return `WebGPU faster at batch ${batches.filter((_, i) => wins[i]).join(', ')}`;
}

/**
 * @param {string} file
 * @param {string} dir where the table goes
 */
function report(file, dir) {
  /** @type {Row[]} */
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  // The machine line is gpu-run.sh's, not a bench row.
  const machine = /** @type {{ gpu?: string, cpu?: string, cores?: number, date?: string }} */ (
    /** @type {unknown} */ (rows.find((r) => r.kind === 'machine') ?? {})
  );
  const adapter = rows.find((r) => r.kind === 'adapter')?.adapter;
  const speed = rows.filter((r) => r.kind === 'speed');
  const torch = rows
    .filter((r) => r.torch)
    .map((r) => ({
      ...r,
      label: r.device === 'cpu' ? `PyTorch CPU, ${r.torchThreads} threads` : 'PyTorch CUDA',
    }));
  const first = rows.filter((r) => r.kind === 'first-step' && r.backend === 'webgpu');
  const models = [...new Set(speed.map((r) => r.model))];
  const batches = [...new Set(speed.map((r) => r.batch))].sort((a, b) => a - b);
  /** @type {(list: Row[], match: (r: Row) => boolean) => (Row | undefined)[]} */
  const pick = (list, match) => batches.map((b) => list.find((r) => match(r) && r.batch === b));
  /** @type {(model: string, ahead: boolean) => string} */
  const firstMs = (model, ahead) => {
    const f = first.find((r) => r.model === model && r.compileAhead === ahead);
    return f ? `${(f.ms / 1000).toFixed(2)} s` : '?';
  };
  const lines = [
    `GAN training on ${machine.gpu ?? 'no GPU named'}: WebGPU (Dawn, in node), WASM and PyTorch on one machine.`,
    '',
    `${machine.gpu ?? 'no GPU named'}; ${machine.cpu ?? ''}, ${machine.cores ?? '?'} cores; ${machine.date ?? ''}. WebGPU adapter: ${adapter ? `${adapter.vendor} ${adapter.device} (${adapter.description})` : 'none'}. From \`tests/bench/gpu-run.sh\` (packed by \`npm run bench:gpu -- pack --node\`), table by \`tests/bench/gpu.mjs report\`.`,
    '',
    "WebGPU here is Dawn's node bindings, the engine of Chromium's WebGPU without the browser's GPU process in between, running the app's own code: backend activation, kernels, GanJob. Steps per second, losses read back every 25 steps (fewer when a step is slow), after 3 warm-up steps. WASM is the app's WASM path on one thread of that machine's CPU.",
    '',
    '| model | WebGPU/WASM crossover | first step on WebGPU, compiled as it goes → ahead | dispatches per step | WebGPU ÷ PyTorch CUDA, by batch |',
    '|---|---|---|---:|---|',
  ];
  for (const model of models) {
    const gpu = pick(speed, (r) => r.model === model && r.backend === 'webgpu');
    const wasm = pick(speed, (r) => r.model === model && r.backend === 'wasm');
    const cuda = pick(torch, (r) => r.model === model && r.label === 'PyTorch CUDA');
    const ratio = batches
      .map((b, i) =>
        gpu[i] && cuda[i]
          ? `${b}: ${(gpu[i].stepsPerSecond / cuda[i].stepsPerSecond).toFixed(2)}`
          : null,
      )
      .filter(Boolean)
      .join(', ');
    const dispatches = gpu.find((r) => r?.dispatches != null)?.dispatches;
    lines.push(
      `| ${model} | ${crossover(batches, gpu, wasm)} | ${firstMs(model, false)} → ${firstMs(model, true)} | ${dispatches ?? '?'} | ${ratio || '?'} |`,
    );
  }
  for (const model of models) {
    lines.push('', `## ${model}: steps per second`, '');
    lines.push(`| run | ${batches.map((b) => `batch ${b}`).join(' | ')} |`);
    lines.push(`|---|${batches.map(() => '---:').join('|')}|`);
    /** @type {[string, (Row | undefined)[]][]} */
    const series = [
      ['WebGPU', pick(speed, (r) => r.model === model && r.backend === 'webgpu')],
      ['WASM, 1 thread', pick(speed, (r) => r.model === model && r.backend === 'wasm')],
      ...[...new Set(torch.map((r) => r.label))].map(
        (label) =>
          /** @type {[string, (Row | undefined)[]]} */ ([
            label,
            pick(torch, (r) => r.model === model && r.label === label),
          ]),
      ),
    ];
    for (const [label, cells] of series)
      if (cells.some(Boolean))
        lines.push(
          `| ${label} | ${cells.map((c) => (c ? fmt(c.stepsPerSecond) : '')).join(' | ')} |`,
        );
  }
  lines.push('');
  const date = (machine.date ?? new Date().toISOString()).slice(0, 10);
  const target = join(
    root,
    'tests/bench/results',
    `gpu-${slug(machine.gpu?.split(',')[0] ?? 'none')}-${date}.md`,
  );
  writeFileSync(target, lines.join('\n'));
  // The performance record (record.mjs) shows the latest GPU run as its last section.
  if (machine.gpu && !machine.gpu.startsWith('no '))
    writeFileSync(join(dir, 'gpu-latest.md'), lines.join('\n'));
  console.log(lines.join('\n'));
  console.log(`bench:gpu: wrote ${target}`);
}

const [verb, arg] = process.argv.slice(2);
if (verb === 'pack') await pack(process.argv.includes('--node'));
else if (verb === 'local') {
  await pack(false);
  local();
} else if (verb === 'report' && arg) report(arg, join(root, 'tests/bench/results'));
else {
  console.error('usage: gpu.mjs pack [--node] | local | report FILE.jsonl');
  process.exit(2);
}
