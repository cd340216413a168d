/**
 * The sample interaction log (public/data/logs/sample-interactions.csv): the
 * fashion shop's simulator logging 300 shopper sessions, in the CSV format
 * the app imports. Loaded through Vite's module runner so the simulator has
 * one definition.
 */
import { runnerImport } from 'vite';

/** @returns {Promise<{ csv: string, rows: number }>} */
export async function buildSampleLog() {
  const { module } = await runnerImport('/src/core/rl/sim/simulated-log.ts');
  // The options live beside the simulator (SAMPLE_LOG_OPTIONS): the app maps the log onto its shop.
  const sim =
    /** @type {{ simulatedLogCsv: (o: object) => string, SAMPLE_LOG_OPTIONS: object }} */ (module);
  const csv = sim.simulatedLogCsv(sim.SAMPLE_LOG_OPTIONS);
  return { csv, rows: csv.split('\n').length - 2 };
}
