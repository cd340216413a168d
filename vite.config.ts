/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

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
    "connect-src 'self'" + (dev ? ' ws: wss:' : ''),
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

export default defineConfig({
  base: './',
  plugins: [svelte(), selfHostTfjsWasm(), cspMetaTag()],
  server: { headers: headers(true) },
  preview: { headers: headers(false) },
  worker: { format: 'es' },
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
