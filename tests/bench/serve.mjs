/**
 * Starts a vite server (dev or preview) for a bench, waits until it answers,
 * and stops it (its whole process group) when the bench exits.
 */
import { spawn } from 'node:child_process';

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
