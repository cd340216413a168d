/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The Content-Security-Policy the app runs under: no inline script, no eval,
 * nothing from other origins. 'wasm-unsafe-eval' lets WebAssembly compile (the
 * wasm backend) without allowing JavaScript eval.
 */
const csp = (dev: boolean): string =>
  [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    // Vite's dev server injects component CSS as <style> tags; the build ships CSS files.
    "style-src 'self'" + (dev ? " 'unsafe-inline'" : ''),
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // 'self' covers the dev server's own web socket (CSP 3); no other host may be reached.
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * Headers for dev and preview. COOP + COEP make the page cross-origin
 * isolated, which gives WASM its threads (SharedArrayBuffer).
 */
const headers = (dev: boolean): Record<string, string> => ({
  'Content-Security-Policy': csp(dev),
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
});

/**
 * Copies tfjs-backend-wasm's .wasm binaries into public/tfjs-wasm/ so they are
 * served from our own origin in dev and shipped in the build, always matching
 * the installed tfjs version.
 */
function selfHostTfjsWasm(): Plugin {
  return {
    name: 'demandlab:self-host-tfjs-wasm',
    async configResolved(config) {
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      const from = join(dist, 'dist');
      const to = join(config.publicDir, 'tfjs-wasm');
      await mkdir(to, { recursive: true });
      for (const f of await readdir(from)) {
        if (f.endsWith('.wasm')) await copyFile(join(from, f), join(to, f));
      }
      // The threaded build's pthreads load these two scripts; see tfjsWasmThreads().
      const out = join(dist, 'wasm-out');
      await copyFile(join(out, THREADED_FACTORY), join(to, THREADED_FACTORY));
      const { wasmWorkerContents } = require(join(out, PTHREAD_WORKER)) as {
        wasmWorkerContents: string;
      };
      // The template literal it ships in turned the source's "\n" escapes into
      // newlines inside string literals; tfjs escapes them again the same way.
      await writeFile(join(to, PTHREAD_WORKER), wasmWorkerContents.replace(/\n/g, '\\n'));
    },
  };
}

const THREADED_FACTORY = 'tfjs-backend-wasm-threaded-simd.js';
const PTHREAD_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';

/**
 * WASM threads. tfjs-backend-wasm 4.22 starts each pthread from blob: URLs: the
 * worker script from a string, and the Emscripten factory from its own
 * `Function.toString()`. The strict CSP refuses blob: workers, and once the
 * factory is bundled and minified its source text names variables that only
 * exist in the bundle ("e is not defined"). This rewrites those two spots in
 * tfjs's init() to load the same scripts, copied by selfHostTfjsWasm, from
 * the wasm folder on our own origin. It fails the build, rather than silently
 * dropping threads, if a tfjs update changes the code it rewrites.
 */
function tfjsWasmThreads(): Plugin {
  const rewrites: [RegExp, string][] = [
    [
      /const response = wasmWorkerContents\.replace\([^;]*\);\s*const blob = new Blob\(\[response\][^;]*\);\s*return URL\.createObjectURL\(blob\);/,
      `return (wasmPathPrefix != null ? wasmPathPrefix : prefix) + '${PTHREAD_WORKER}';`,
    ],
    [
      /factoryConfig\.mainScriptUrlOrBlob = new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\);/,
      `factoryConfig.mainScriptUrlOrBlob = (wasmPathPrefix != null ? wasmPathPrefix : '') + '${THREADED_FACTORY}';`,
    ],
  ];
  // tfjs sizes its pool at no more than half of navigator.hardwareConcurrency,
  // taking every core for two hyperthreads; on a 2-core laptop or VM that is
  // one thread. The app picks the count itself (wasmThreadsFor, passed to
  // setThreadsCount), so the factory reports twice the cores to lift that cap.
  const cores: [RegExp, string][] = [
    [
      /(function _emscripten_num_logical_cores\(\)\{[^}]*return navigator\["hardwareConcurrency"\])\}/,
      '$1*2}',
    ],
  ];
  const files: [RegExp, [RegExp, string][]][] = [
    [/tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/, rewrites],
    [/tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/, cores],
  ];
  return {
    name: 'demandlab:tfjs-wasm-threads',
    transform(code, id) {
      const edits = files.find(([file]) => file.test(id))?.[1];
      if (!edits) return null;
      let out = code;
      for (const [pattern, replacement] of edits) {
        if (!pattern.test(out))
          throw new Error(
            `tfjs-backend-wasm changed: ${pattern.source.slice(0, 40)}… is no longer in ${id}; ` +
              'update tfjsWasmThreads() in vite.config.ts',
          );
        out = out.replace(pattern, replacement);
      }
      return { code: out, map: null };
    },
  };
}

/** The build's index.html carries the policy too, for static hosts that set no headers. */
function cspMetaTag(): Plugin {
  return {
    name: 'demandlab:csp-meta',
    apply: 'build',
    transformIndexHtml() {
      // frame-ancestors is ignored (with a console warning) in a <meta> policy.
      const content = csp(false).replace(/; frame-ancestors 'none'/, '');
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}

/**
 * The headers the built site needs, as a `_headers` file at its root: hosts
 * such as Netlify and Cloudflare Pages send what it lists. Written from the
 * same `headers` as the preview server's, so the two cannot drift; the
 * README's hosting section lists them for other hosts. Only a header can
 * carry frame-ancestors (it stops other sites framing the app).
 */
function headersFile(): Plugin {
  return {
    name: 'demandlab:headers-file',
    apply: 'build',
    generateBundle() {
      const lines = Object.entries(headers(false)).map(([k, v]) => `  ${k}: ${v}`);
      this.emitFile({
        type: 'asset',
        fileName: '_headers',
        source: ['/*', ...lines, ''].join('\n'),
      });
    },
  };
}

/**
 * The built site is a PWA: a service worker precaches everything a lab needs
 * (code, workers, tfjs's wasm, MNIST and the sample log), so once visited the
 * app loads and trains with no network. The page registers it itself
 * (src/ui/common/offline.svelte.ts), with no inline script, and asks before
 * swapping in a new version so a running job is not cut off.
 */
const offline = VitePWA({
  registerType: 'prompt',
  injectRegister: false,
  manifest: {
    name: 'DemandLab',
    short_name: 'DemandLab',
    description: 'Train GANs and reinforcement-learning recommenders in your browser, on your GPU.',
    theme_color: '#2f5bd3',
    background_color: '#ffffff',
    display: 'standalone',
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    globPatterns: ['**/*.{js,css,html,svg,png,wasm,bin,json,csv,webmanifest}'],
    // The README's screenshots are served but never used by the app; the
    // plugin adds the manifest and its icons itself.
    globIgnores: ['screenshot.png', 'recsys-screenshot.png', 'icons/**', 'manifest.webmanifest'],
    // MNIST (8 MB) and the tfjs worker chunks are far above Workbox's 2 MB default.
    maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
    cleanupOutdatedCaches: true,
    navigateFallback: 'index.html',
  },
});

export default defineConfig({
  base: './',
  plugins: [svelte(), selfHostTfjsWasm(), tfjsWasmThreads(), cspMetaTag(), headersFile(), offline],
  server: { headers: headers(true) },
  preview: { headers: headers(false) },
  // Workers are bundled on their own: build plugins must be named here too.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  // In dev, tfjs is pre-bundled by the dependency optimizer, which runs its own plugins.
  optimizeDeps: { rolldownOptions: { plugins: [tfjsWasmThreads()] } },
  build: {
    target: 'es2022',
    // tfjs is large by nature; it lives in the worker chunk, not the page's.
    chunkSizeWarningLimit: 4000,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
  },
});
