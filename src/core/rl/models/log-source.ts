/**
 * The log a model run names, read, with what goes with it: the simulator's
 * truth for a log it writes here, and the shop and catalog that wrote it
 * (so what a model learns can race there). The worker and the tests read
 * logs through this one door.
 */
import { parseInteractionLog, type InteractionLog } from '../../data/interaction-log';
import type { PriorOrigin } from '../agents/log-prior';
import { SAMPLE_LOG_OPTIONS, simulatedLog, type SimulatedLogTruth } from '../sim/simulated-log';
import type { LogModelConfig } from './log-model-config';

export interface LogSource {
  log: InteractionLog;
  /** Present for a log the simulator wrote in this run. */
  truth?: SimulatedLogTruth;
  /** The simulator shop the log's `sku-N` items belong to. */
  origin: PriorOrigin;
}

const sessions = (n: number) => `${n.toLocaleString('en')} sessions`;

/** Writes the simulated log, or reads the shipped sample's text from `sampleText`. */
export async function readLogSource(
  config: Pick<LogModelConfig, 'source' | 'sessions' | 'seed'>,
  sampleText: () => Promise<string>,
): Promise<LogSource> {
  if (config.source === 'simulated') {
    const sim = simulatedLog({ shop: 'fashion', sessions: config.sessions, seed: config.seed });
    return {
      log: await parseInteractionLog(sim.csv),
      truth: sim.truth,
      origin: {
        source: `a simulated fashion log of ${sessions(config.sessions)}`,
        shop: 'fashion',
        catalogSeed: config.seed,
      },
    };
  }
  // The sample is the simulator's too: its items are the sample shop's.
  const sample = SAMPLE_LOG_OPTIONS;
  return {
    log: await parseInteractionLog(await sampleText()),
    origin: {
      source: `the sample log (${sessions(sample.sessions)})`,
      shop: sample.shop,
      catalogSeed: sample.seed,
    },
  };
}
