/**
 * The log a model run names, read, with what goes with it: the simulator's
 * truth for a log it writes here, and the race what the model learns can
 * start: for a simulator's log, the shop and catalog that wrote it; for
 * your own log, a shop whose catalog is the log's own items. The worker and
 * the tests read logs through this one door.
 */
import { parseInteractionLog, type InteractionLog } from '../../data/interaction-log';
import {
  logCatalog,
  type LogCatalog,
  type PriorOrigin,
  type RaceMapping,
} from '../agents/log-prior';
import { shopPreset, type ShopName } from '../sim/presets';
import {
  SAMPLE_LOG_OPTIONS,
  simulatedItemAction,
  simulatedLog,
  type SimulatedLogTruth,
} from '../sim/simulated-log';
import { CATALOG_LIMITS } from '../sim/catalog';
import type { LogModelConfig } from './log-model-config';

/** Where a race from the log runs, and how the log's items and shoppers map onto it. */
export interface LogRace {
  origin: PriorOrigin;
  mapping: RaceMapping;
  maxSessionLength: number;
  /** The log's own items as the race's catalog (null: the shop's catalog from `origin.catalogSeed`). */
  catalog: LogCatalog | null;
}

export interface LogSource {
  log: InteractionLog;
  /** Present for a log the simulator wrote in this run. */
  truth?: SimulatedLogTruth;
  /** Null when the log cannot race (fewer items than a shop needs, or more than a race shows). */
  race: LogRace | null;
}

/** A log of your own, as the page hands it to the worker. */
export interface OwnLog {
  name: string;
  log: InteractionLog;
}

/** The most items a race shows (lab/config.ts's limit). */
const MAX_RACE_ITEMS = 2_000;

const sessions = (n: number) => `${n.toLocaleString('en')} sessions`;

function shopRace(shop: ShopName) {
  const preset = shopPreset(shop);
  return {
    segmentNames: preset.shoppers.segments.map((s) => s.name),
    maxSessionLength: preset.shoppers.maxSessionLength,
    items: preset.catalog.items,
  };
}

/** The race for a log the simulator wrote in `shop` from `catalogSeed`: its items are that shop's. */
function simulatorRace(source: string, shop: ShopName, catalogSeed: number): LogRace {
  const s = shopRace(shop);
  return {
    origin: { source, shop, catalogSeed },
    mapping: {
      numActions: s.items,
      segmentNames: s.segmentNames,
      actionOf: simulatedItemAction,
    },
    maxSessionLength: s.maxSessionLength,
    catalog: null,
  };
}

/**
 * The race for your own log: the fashion shop's shoppers, browsing a
 * catalog of the log's items (item i of the log is action i), with their
 * categories and prices; `seed` draws what the log does not give.
 */
export function ownLogRace(own: OwnLog, seed: number): LogRace | null {
  const items = own.log.itemIds.length;
  if (items < CATALOG_LIMITS.minItems || items > MAX_RACE_ITEMS) return null;
  const s = shopRace('fashion');
  const index = new Map(own.log.itemIds.map((id, i) => [id, i]));
  return {
    origin: { source: `your log “${own.name}”`, shop: 'fashion', catalogSeed: seed },
    mapping: {
      numActions: items,
      segmentNames: s.segmentNames,
      actionOf: (id) => index.get(id) ?? null,
    },
    maxSessionLength: s.maxSessionLength,
    catalog: logCatalog(own.log),
  };
}

/** Writes the simulated log, reads the shipped sample's text from `sampleText`, or takes your own. */
export async function readLogSource(
  config: Pick<LogModelConfig, 'source' | 'sessions' | 'seed'>,
  sampleText: () => Promise<string>,
  own: OwnLog | null = null,
): Promise<LogSource> {
  switch (config.source) {
    case 'simulated': {
      const sim = simulatedLog({ shop: 'fashion', sessions: config.sessions, seed: config.seed });
      return {
        log: await parseInteractionLog(sim.csv),
        truth: sim.truth,
        race: simulatorRace(
          `a simulated fashion log of ${sessions(config.sessions)}`,
          'fashion',
          config.seed,
        ),
      };
    }
    case 'sample': {
      // The sample is the simulator's too: its items are the sample shop's.
      const sample = SAMPLE_LOG_OPTIONS;
      return {
        log: await parseInteractionLog(await sampleText()),
        race: simulatorRace(
          `the sample log (${sessions(sample.sessions)})`,
          sample.shop,
          sample.seed,
        ),
      };
    }
    case 'own':
      if (!own)
        throw new Error('No log came with the job: read and accept one under Shoppers first.');
      return { log: own.log, race: ownLogRace(own, config.seed) };
  }
}
