/**
 * One writer per saved session across tabs, with the Web Locks API: the tab
 * that trains a session holds its lock until it lets go (a new run, another
 * session) or closes; the browser frees the locks of a closed or crashed tab.
 * Without the API (an insecure context) there is no coordination: every tab
 * writes, as before this module.
 */

const PREFIX = 'demandlab-session:';

export interface SessionLock {
  readonly id: string;
  release(): void;
}

function locks(): LockManager | null {
  return (globalThis.navigator as Navigator | undefined)?.locks ?? null;
}

/** Takes a session's lock if no other tab holds it; null when one does. */
export async function tryLockSession(id: string): Promise<SessionLock | null> {
  const manager = locks();
  if (!manager) return { id, release: () => {} };
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const granted = await new Promise<boolean>((answer) => {
    void manager.request(PREFIX + id, { ifAvailable: true }, async (lock) => {
      answer(lock !== null);
      // Holding the lock is waiting here until released.
      if (lock) await held;
    });
  });
  return granted ? { id, release } : null;
}

/** The sessions some tab (this one included) holds the lock of. */
export async function lockedSessions(): Promise<Set<string>> {
  const manager = locks();
  if (!manager) return new Set();
  const { held = [] } = await manager.query();
  return new Set(
    held
      .map((l) => l.name ?? '')
      .filter((n) => n.startsWith(PREFIX))
      .map((n) => n.slice(PREFIX.length)),
  );
}
