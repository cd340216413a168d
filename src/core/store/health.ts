/**
 * Storage health: how much this origin uses of its quota, whether the
 * browser promised to keep the data (persistent storage), and what to say
 * about it. Takes the StorageManager as a parameter so node tests can fake it.
 */

export interface StorageHealth {
  /** Bytes used and the quota, when the browser says. */
  usage: number | null;
  quota: number | null;
  /** The browser will not evict this origin's data under storage pressure. */
  persisted: boolean;
  /** A line for the user when something needs their attention, else null. */
  warning: string | null;
}

type Manager = Pick<StorageManager, 'estimate' | 'persist' | 'persisted'>;

/** Share of the quota at which the user is warned. */
export const NEARLY_FULL = 0.9;

/** Asks for persistent storage (once granted it stays) and reports usage against quota. */
export async function storageHealth(manager: Manager | undefined): Promise<StorageHealth> {
  if (!manager)
    return {
      usage: null,
      quota: null,
      persisted: false,
      warning: 'This browser does not report storage: sessions may be cleared when space runs low.',
    };
  let persisted = await manager.persisted().catch(() => false);
  if (!persisted) persisted = await manager.persist().catch(() => false);
  const estimate: StorageEstimate = await manager.estimate().catch(() => ({}));
  const usage = estimate.usage ?? null;
  const quota = estimate.quota ?? null;
  let warning: string | null = null;
  if (usage !== null && quota !== null && quota > 0 && usage / quota >= NEARLY_FULL)
    warning = `Storage is ${Math.round((usage / quota) * 100)}% full: delete old sessions or samples to keep saving.`;
  else if (!persisted)
    warning =
      'The browser may clear saved sessions when space runs low (persistent storage was not granted).';
  return { usage, quota, persisted, warning };
}

/** True for the errors a full disk or exhausted quota raises in IndexedDB. */
export function isQuotaError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));
}
