/**
 * Starts a vite server (dev or preview) for a bench, waits until it answers,
 * and stops it (its whole process group) when the bench exits.
 */
import { chromium } from '@playwright/test';
import { execSync, spawn } from 'node:child_process';
import { chromiumArgs } from './chromium-args.mjs';

/**
 * @param {string} root the repository root
 * @param {string[]} args vite's arguments, e.g. ['preview', '--port', '4185', '--strictPort']
 * @param {number} port the port those arguments choose
 * @returns {Promise<() => void>} stops the server
 */
export async function serve(root, args, port) {
  const server = spawn('npx', ['vite', ...args], { cwd: root, stdio: 'ignore', detached: true });
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', stop);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/`)).ok) return stop;
    } catch {
      if (i > 150) {
        stop();
        throw new Error(`vite ${args[0] ?? ''} did not start on port ${port}`);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Builds the site, serves the build with `vite preview` on `port` and starts
 * headless Chromium with WebGPU (SwiftShader): what the page benches share.
 * @param {string} root the repository root
 * @param {number} port
 * @param {string} name the bench, for the log line
 * @returns {Promise<{ browser: import('@playwright/test').Browser, stop: () => void }>}
 */
export async function builtSite(root, port, name) {
  console.log(`bench ${name}: building…`);
  execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });
  const stop = await serve(root, ['preview', '--port', String(port), '--strictPort'], port);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  return { browser, stop };
}
