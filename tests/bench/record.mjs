/**
 * Writes tests/bench/README.md, the performance record: what the bench does,
 * then every job's latest results as the bench wrote them
 * (results/<job>-latest.md). Run at the end of `npm run bench`; by hand with
 * `node tests/bench/record.mjs`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, 'results');

/** The jobs in the order the record shows them; others follow by name. */
const ORDER = [
  'time-to-digits',
  'race-story',
  'gan-quality',
  'gan-article',
  'gan-dcgan',
  'gan-toy',
  'demo',
  'rl',
  'log-models',
  'recsys-page',
  'fuzz',
  'ope',
  'dispatches',
  'sweep',
  'gpu',
];

const INTRO = `# Benchmarks: the performance record

This page is written by \`npm run bench\`; edit tests/bench/record.mjs, not this file.

\`npm run bench\` is the performance record. It starts with what a newcomer
meets: the time from a click to digits in each MNIST view, in a fresh
browser profile (\`bench:digits\`, tests/bench/time-to-digits.mjs), and
whether the recommender lab's opening race shows learning within 30 s
(\`bench:story\`, tests/bench/race-story.mjs), and whether the app trains the
article's made-to-work model as PyTorch does: the Inception Score of three
seeds each side at 1,000, 2,000 and 5,000 steps (\`bench:quality\`,
tests/bench/gan-quality.mjs). Then it trains each job through the UI
in headless Chromium on each backend: WebGPU, WebGL, WASM with a thread per
core, WASM on one thread (\`?threads=1\`) and plain-JS CPU. It then trains the
same GAN in node (tfjs cpu; tfjs wasm with the shipped matMul, then with
the app's explicit transposes, its GEMM kernel, and all its WASM kernels
added one at a time). Where python3 has torch (Debian:
\`python3-torch libopenblas0-pthread\`), it also trains it in PyTorch on the
CPU with \`tests/bench/torch_gan.py\`: same layers, loss, Adam settings, batch
and MNIST. Without torch it says so and skips that column. Options:
\`--seconds N\`, \`--backends webgpu,webgl,wasm,wasm1,cpu\`,
\`--jobs demo,gan-article,gan-dcgan,gan-toy\`, \`--no-torch\`, \`--no-leaks\`, \`--no-node\`.
For each job and backend it records:

- steps per second, against the fastest browser backend and the best PyTorch
  setting, and GFLOP/s for the article GAN (one step there is 4.12 GFLOP of
  matrix products);
- the time to the first step from cold (model build and shader compilation);
- the page's longest main-thread task and longest gap between frames while
  training (training never runs on the main thread);
- live tensors, and a leak check in node: tensors, their bytes and the WASM
  heap at step 25, half way and the end of 1,000 steps on WASM at the lab's
  batch size (the memory a model takes, and that it stays flat).

It ends with the fuzz suite at full size (\`bench:fuzz\`: 100,000 session
files, 20,000 CSV logs, 10,000 image zips) and with what one training step
of each GAN asks of WebGPU (\`bench:dispatches\`: dispatches, bytes up and
back, pipelines compiled, against a kept baseline), counts that carry over
to a real GPU where SwiftShader's step times do not, and its buffer bytes
after warm-up and at the end (\`--steps 100\` for the memory check).

Results go to \`tests/bench/results/<job>-latest.md\` (tracked) and a dated
JSON file; \`npm run bench\` also runs the recommender benchmarks (\`bench:rl\`,
\`bench:models\` for the source's recommender models trained on a log,
\`bench:recsys\`, and \`bench:ope\`: each off-policy estimator's error and
interval coverage against the truth over 200 simulated logs of each
size) and \`bench:sweep\` (the example reward sweep, 200 configurations ×
5 seeds × 100,000 decisions, from scratch in two shard processes and
merged, on the wall clock), then writes this page from the latest results
(\`tests/bench/record.mjs\`). What the figures mean, and the record of earlier
runs, is in [NOTES.md](NOTES.md).

The last section, \`gpu\`, comes from a machine with a real GPU, not from this
one: \`npm run bench:gpu -- pack --node\` bundles the GAN jobs with the app's
backend activation and kernels, tfjs's WASM files and Dawn's node bindings
(the engine of Chromium's WebGPU) into \`.gpu/\`, which
\`tests/bench/gpu-run.sh\` runs there (WebGPU and WASM over batch sizes
32-512, each model's cold first step, PyTorch on CUDA and on the CPU), and
\`npm run bench:gpu -- report FILE\` turns its output into
\`tests/bench/results/gpu-latest.md\`. \`npm run bench:gpu -- local\` checks the
path here on SwiftShader's Vulkan driver.`;

const jobs = readdirSync(results)
  .filter((f) => f.endsWith('-latest.md'))
  .map((f) => f.slice(0, -'-latest.md'.length))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

/** @param {string} job */
function rank(job) {
  const i = ORDER.indexOf(job);
  return i < 0 ? ORDER.length : i;
}

const sections = jobs.map(
  (job) => `## ${job}\n\n${readFileSync(join(results, `${job}-latest.md`), 'utf8').trim()}\n`,
);
writeFileSync(join(here, 'README.md'), [INTRO.trim() + '\n', ...sections].join('\n'));
console.log(`bench: wrote tests/bench/README.md (${jobs.length} jobs)`);
