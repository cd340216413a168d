/**
 * The sample interaction log (public/data/logs/sample-interactions.csv): the
 * fashion shop's simulator logging 300 shopper sessions, in the CSV format
 * the app imports. Loaded through Vite's module runner so the simulator has
 * one definition.
 */
import { runnerImport } from 'vite';

export const SAMPLE_LOG = { shop: 'fashion', sessions: 300, seed: 1 };

/** @returns {Promise<{ csv: string, rows: number }>} */
export async function buildSampleLog() {
  const { module } = await runnerImport('/src/core/rl/sim/simulated-log.ts');
  const csv = /** @type {{ simulatedLogCsv: (o: typeof SAMPLE_LOG) => string }} */ (
    module
  ).simulatedLogCsv(SAMPLE_LOG);
  return { csv, rows: csv.split('\n').length - 2 };
}
