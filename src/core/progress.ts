/**
 * Progress of long work (a data set downloading, the first step compiling
 * its GPU programs): how much is done, and how long is left at the rate so
 * far. Pure, so the arithmetic is tested in node; the page draws it.
 */

/** Seconds left at the average rate so far, or null before there is a rate to go by. */
export function secondsLeft(done: number, total: number, elapsedMs: number): number | null {
  if (!(done > 0) || !(total > 0) || !(elapsedMs > 0)) return null;
  if (done >= total) return 0;
  return ((elapsedMs / 1000) * (total - done)) / done;
}

/** "about 12 s left", "about 2 min left", "almost done". */
export function etaText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 1.5) return 'almost done';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** Bytes as people read them: "840 KB", "8.4 MB". */
export function sizeText(bytes: number): string {
  if (bytes < 1e6) return `${Math.round(bytes / 1e3)} KB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * How long the first step took before, per backend and model: compiling the
 * GPU programs dominates it, and takes about as long each time on one device.
 * Kept as a small JSON record; a damaged one is ignored.
 */
export type WarmupRecord = Readonly<Record<string, number>>;

export function warmupKey(backend: string, model: string): string {
  return `${backend}:${model}`;
}

export function parseWarmups(text: string | null): WarmupRecord {
  try {
    const raw: unknown = JSON.parse(text ?? '{}');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(
      Object.entries(raw).filter(([, ms]) => typeof ms === 'number' && ms > 0 && ms < 3_600_000),
    );
  } catch {
    return {};
  }
}

/** The record with a new first-step time; the newest measurement is what the next estimate uses. */
export function withWarmup(r: WarmupRecord, key: string, ms: number): WarmupRecord {
  return ms > 0 && Number.isFinite(ms) ? { ...r, [key]: Math.round(ms) } : r;
}

/**
 * The warm-up as progress: elapsed against what it took last time. Never
 * claims to be done before it is: past the estimate it holds at 95% and says
 * it is taking longer.
 */
export function warmupProgress(
  elapsedMs: number,
  expectedMs: number | undefined,
): { fraction: number | null; text: string } {
  const s = Math.round(elapsedMs / 1000);
  if (!expectedMs) return { fraction: null, text: `${s} s so far; the first run on this device` };
  if (elapsedMs < expectedMs)
    return {
      fraction: elapsedMs / expectedMs,
      text: `${etaText((expectedMs - elapsedMs) / 1000)} (took ${Math.round(expectedMs / 1000)} s last time)`,
    };
  return {
    fraction: 0.95,
    text: `${s} s so far, longer than last time (${Math.round(expectedMs / 1000)} s)`,
  };
}
