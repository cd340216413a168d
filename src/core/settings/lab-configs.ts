/**
 * The one schema every lab config passes where it enters the app: a setup
 * link, an imported file, a saved session, a lesson step. valibot checks the
 * shape: exactly the lab's keys, each of its type, names from their lists,
 * finite numbers, bounded texts and lists. The ranges and the rules between
 * fields are the labs' own checks, the ones their controls use, run inside
 * the same schema so that one parse gives one answer.
 *
 * Settings the chosen agent or model does not use ride along (the page keeps
 * them for switching back, and sessions carry them): kept when they hold a
 * value the controls allow, and otherwise dropped back to the default with a
 * note naming them, rather than refusing the whole config.
 */
import * as v from 'valibot';
import { demoConfigError, type DemoConfig } from '../demo/config';
import {
  GAN_LOSSES,
  GAN_MODELS,
  ganConfigError,
  MAX_DRAWN_POINTS,
  presetFor,
  TOY_DISTRIBUTIONS,
  type GanConfig,
  type GanModelKind,
} from '../gan/config';
import { AGENT_LABELS, AGENT_NAMES, isAgentName } from '../rl/agents/names';
import {
  AGENT_PARAMS,
  agentSettings,
  agentSettingsIssue,
  type AgentParam,
  type AgentSettings,
} from '../rl/agents/settings';
import {
  MAX_SYNTHETIC_COLUMNS,
  recsysConfigError,
  syntheticProblem,
  type RecsysConfig,
  type SyntheticPopulation,
} from '../rl/lab/config';
import {
  MAX_LOG_CATEGORIES,
  MAX_PRIOR_DIM,
  MAX_TWO_HEADED,
  type CfPrior,
  type LogCatalog,
  type LogPrior,
  type TwoHeadedPrior,
} from '../rl/agents/log-prior';
import {
  LOG_MODEL_LABELS,
  LOG_SOURCES,
  logModelConfigError,
  type LogModelConfig,
  type LogModelName,
  type LogSource,
} from '../rl/models/log-model-config';
import { previewReward } from '../rl/lab/reward-preview';
import { MAX_LENGTH as MAX_REWARD_LENGTH } from '../rl/reward/expression';
import { MAX_PROFILES } from '../rl/sim/profiles';
import { SHOP_PRESETS, type ShopName } from '../rl/sim/presets';
import { jsonProblem } from '../store/json-check';
import type { Json, LabKind } from '../store/schema';

const finite = v.pipe(v.number(), v.finite());
const text = (max: number) => v.pipe(v.string(), v.maxLength(max, `at most ${max} characters`));
/** A config fails its lab's own check: the check's words become the issue's message. */
const labCheck = <T>(problem: (c: T) => string | null) =>
  v.check<T, (issue: v.CheckIssue<T>) => string>(
    (c) => problem(c) === null,
    (issue) => problem(issue.input) ?? '',
  );

const DEMO_ENTRIES = {
  hidden: finite,
  batchSize: finite,
  learningRate: finite,
  seed: finite,
  evalEvery: finite,
  evalSize: finite,
  previewCount: finite,
} satisfies Record<keyof DemoConfig, v.GenericSchema>;

const GAN_ENTRIES = {
  model: v.picklist(GAN_MODELS),
  dataset: v.picklist(['mnist', 'own']),
  loss: v.picklist(GAN_LOSSES),
  latentSize: finite,
  batchSize: finite,
  learningRateD: finite,
  learningRateG: finite,
  beta1: finite,
  dStepsPerG: finite,
  labelSmoothing: finite,
  seed: finite,
  sampleEvery: finite,
  metricsEvery: finite,
  metricsSamples: finite,
  toyHidden: finite,
  toyDistribution: v.picklist(TOY_DISTRIBUTIONS),
  // One pair over the limit still parses, so the lab's check can say what the limit is.
  toyPoints: v.pipe(v.array(finite), v.maxLength(2 * MAX_DRAWN_POINTS + 2)),
} satisfies Record<keyof GanConfig, v.GenericSchema>;

const AGENT_ENTRIES = {
  kind: v.picklist(AGENT_NAMES),
  learningRate: finite,
  gamma: finite,
  epsilonStart: finite,
  epsilonEnd: finite,
  epsilonSteps: finite,
  adaptive: v.boolean(),
  ucbC: finite,
  hidden: finite,
  replay: finite,
  targetEvery: finite,
} satisfies Record<keyof AgentSettings, v.GenericSchema>;

const SYNTHETIC_ENTRIES = {
  source: text(300),
  names: v.pipe(
    v.array(text(120)),
    v.maxLength(MAX_SYNTHETIC_COLUMNS, `at most ${MAX_SYNTHETIC_COLUMNS} columns`),
  ),
  shares: finite,
  scale: v.strictObject({
    priceMin: v.nullable(finite),
    priceMax: v.nullable(finite),
    maxEvents: finite,
  }),
  values: v.pipe(
    v.array(finite),
    v.maxLength(MAX_PROFILES * MAX_SYNTHETIC_COLUMNS, 'too many values'),
  ),
} satisfies Record<keyof SyntheticPopulation, v.GenericSchema>;

/** Numbers, at most `max` of them. */
const numbers = (max: number) => v.pipe(v.array(finite), v.maxLength(max, 'too many values'));
const MAX_ITEMS = 2000;

const CF_PRIOR_ENTRIES = {
  dim: finite,
  item: numbers(MAX_ITEMS * MAX_PRIOR_DIM),
  itemBias: numbers(MAX_ITEMS),
  user: numbers(64 * MAX_PRIOR_DIM),
  userBias: numbers(64),
} satisfies Record<keyof CfPrior, v.GenericSchema>;

const MAX_TWO_HEADED_WEIGHTS =
  MAX_TWO_HEADED.features * MAX_TWO_HEADED.hidden * 2 +
  MAX_TWO_HEADED.hidden * MAX_TWO_HEADED.hidden * 2 +
  MAX_TWO_HEADED.hidden * (MAX_TWO_HEADED.outputs + 1);

const TWO_HEADED_PRIOR_ENTRIES = {
  features: v.pipe(v.array(text(80)), v.maxLength(MAX_TWO_HEADED.features, 'too many features')),
  hidden: v.tuple([finite, finite]),
  actions: numbers(MAX_TWO_HEADED.outputs),
  weights: v.pipe(
    v.array(
      v.strictObject({
        name: text(80),
        shape: v.pipe(v.array(finite), v.maxLength(2, 'too many dimensions')),
        values: numbers(MAX_TWO_HEADED.hidden * MAX_TWO_HEADED.outputs),
      }),
    ),
    v.maxLength(12, 'too many weights'),
    v.check(
      (ws) => ws.reduce((n, w) => n + w.values.length, 0) <= MAX_TWO_HEADED_WEIGHTS,
      'too many weights',
    ),
  ),
  maxSessionLength: finite,
  segments: v.pipe(v.array(text(80)), v.maxLength(64, 'too many segments')),
} satisfies Record<keyof TwoHeadedPrior, v.GenericSchema>;

const LOG_CATALOG_ENTRIES = {
  categories: v.pipe(v.array(text(200)), v.maxLength(MAX_LOG_CATEGORIES, 'too many categories')),
  category: numbers(MAX_ITEMS),
  price: numbers(MAX_ITEMS),
} satisfies Record<keyof LogCatalog, v.GenericSchema>;

const LOG_PRIOR_ENTRIES = {
  source: text(300),
  shop: text(40),
  items: finite,
  catalogSeed: finite,
  purchases: numbers(MAX_ITEMS),
  cf: v.nullable(v.strictObject(CF_PRIOR_ENTRIES)),
  twoHeaded: v.optional(v.nullable(v.strictObject(TWO_HEADED_PRIOR_ENTRIES))),
  catalog: v.optional(v.nullable(v.strictObject(LOG_CATALOG_ENTRIES))),
} satisfies Record<keyof LogPrior, v.GenericSchema>;

const AgentSchema = v.pipe(
  v.strictObject(AGENT_ENTRIES),
  labCheck((a: AgentSettings) => agentSettingsIssue(a)?.message ?? null),
);

const RECSYS_ENTRIES = {
  shop: v.picklist(Object.keys(SHOP_PRESETS) as ShopName[]),
  items: finite,
  slateSize: finite,
  population: finite,
  drift: finite,
  fatigue: finite,
  priceSensitivity: finite,
  seed: finite,
  reward: text(MAX_REWARD_LENGTH),
  agents: v.pipe(
    v.array(AgentSchema),
    v.minLength(1, 'race one to four agents'),
    v.maxLength(4, 'race one to four agents'),
  ),
  // Sessions from before synthetic shoppers have none.
  synthetic: v.optional(
    v.nullable(v.pipe(v.strictObject(SYNTHETIC_ENTRIES), labCheck(syntheticProblem))),
  ),
  // Nor from before races started from a log (recsysConfigError checks it against the shop).
  fromLog: v.optional(v.nullable(v.strictObject(LOG_PRIOR_ENTRIES))),
} satisfies Record<keyof RecsysConfig, v.GenericSchema>;

const LOG_MODEL_ENTRIES = {
  model: v.picklist(Object.keys(LOG_MODEL_LABELS) as LogModelName[]),
  source: v.picklist(Object.keys(LOG_SOURCES) as LogSource[]),
  sessions: finite,
  epochs: finite,
  seed: finite,
} satisfies Record<keyof LogModelConfig, v.GenericSchema>;

/** Every lab's config, as it may enter the app. */
export const LAB_CONFIG_SCHEMAS = {
  demo: v.pipe(v.strictObject(DEMO_ENTRIES), labCheck(demoConfigError)),
  gan: v.pipe(
    v.strictObject(GAN_ENTRIES),
    labCheck((c: GanConfig) => {
      const p = ganConfigError(c);
      return p && `${p.field}: ${p.message}`;
    }),
  ),
  recsys: v.pipe(
    v.strictObject(RECSYS_ENTRIES),
    labCheck((c: RecsysConfig) => {
      const p = recsysConfigError(c);
      return p ? `${p.field}: ${p.message}` : rewardPreviewProblem(c);
    }),
  ),
  'log-model': v.pipe(
    v.strictObject(LOG_MODEL_ENTRIES),
    labCheck((c: LogModelConfig) => {
      const p = logModelConfigError(c);
      return p && `${p.field}: ${p.message}`;
    }),
  ),
} as const;

/**
 * A reward that is not finite on the preview's simulated steps (`1/0`, or
 * `log(price)` where nothing was bought) would stop the race on its first
 * steps: refused where the config enters, on the same steps the page's
 * preview runs, so a link never brings a reward the editor then refuses.
 */
function rewardPreviewProblem(c: RecsysConfig): string | null {
  try {
    previewReward(c);
    return null;
  } catch (e) {
    return `reward: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** A config as read: ready for its lab, with notes on what was dropped; or why it cannot be used. */
export type ConfigReading =
  { problem: null; config: Json; notes: string[] } | { problem: string; config: null; notes: [] };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One valibot issue in words, with where it is. */
function issueText(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  if (issue.type === 'strict_object' && issue.expected === 'never')
    return `unknown setting ${path ?? issue.received}`;
  if (issue.type === 'strict_object' && issue.received === 'undefined')
    return `the setting ${path} is missing`;
  if (issue.kind === 'validation' && issue.type === 'check') {
    const where = path && !issue.message.startsWith(`${path.split('.').at(-1)}:`) ? path : null;
    return where ? `${where}: ${issue.message}` : issue.message;
  }
  if (issue.kind === 'validation') return `${path ?? 'the settings'}: ${issue.message}`;
  if (path === null) return 'the settings must be an object';
  return `${path} must be ${expectedText(issue.type, issue.expected)}, not ${issue.received.slice(0, 40)}`;
}

/** What a schema wanted, in words: "one of ring, grid", "a number". */
function expectedText(type: string, expected: string | null): string {
  const kinds: Record<string, string> = {
    Object: 'an object',
    Array: 'a list',
    number: 'a number',
    string: 'a text',
    boolean: 'true or false',
  };
  if (type === 'picklist' && expected)
    return `one of ${expected
      .replace(/^\(|\)$|"/g, '')
      .split(' | ')
      .join(', ')}`;
  return (expected && kinds[expected]) ?? expected ?? 'something else';
}

/**
 * Settings `used` does not list, each dropped to its default when it is
 * missing or not a value the controls allow. Returns the names of those that
 * held something (missing ones are filled silently: nothing is lost).
 */
function dropBadUnused<T extends object>(
  target: Record<string, unknown>,
  unused: readonly (keyof T & string)[],
  defaults: T,
  entries: Record<keyof T & string, v.GenericSchema>,
  faultOf: (candidate: T) => string | null,
): string[] {
  const dropped: string[] = [];
  for (const key of unused) {
    const value = target[key];
    const ok =
      value !== undefined &&
      v.is(entries[key], value) &&
      faultOf({ ...defaults, [key]: value }) !== key;
    if (ok) continue;
    if (value !== undefined) dropped.push(key);
    target[key] = structuredClone(defaults[key]);
  }
  return dropped;
}

const TOY_ONLY = ['toyHidden', 'toyDistribution', 'toyPoints'] as const;
const AGENT_PARAM_NAMES = Object.keys(AGENT_ENTRIES).filter((k) => k !== 'kind') as AgentParam[];

/** "Agent 2 (UCB1) does not use gamma and replay; they held values … back at the default." */
function droppedNote(who: string, dropped: string[], fallback: string): string {
  const one = dropped.length === 1;
  const names = one ? dropped[0]! : `${dropped.slice(0, -1).join(', ')} and ${dropped.at(-1)!}`;
  return `${who} does not use ${names}; ${one ? 'it held a value' : 'they held values'} the lab does not allow, so ${one ? 'it is' : 'they are'} back at ${fallback}.`;
}

/** The config with bad settings its agents or model do not use dropped, and notes saying which. */
function tidyUnused(lab: LabKind, config: unknown): { config: unknown; notes: string[] } {
  const notes: string[] = [];
  if (!isRecord(config)) return { config, notes };
  if (
    lab === 'gan' &&
    GAN_MODELS.includes(config.model as GanModelKind) &&
    config.model !== 'toy'
  ) {
    const preset = presetFor(config.model as GanModelKind);
    const tidy = { ...config };
    const dropped = dropBadUnused(
      tidy,
      TOY_ONLY,
      preset,
      GAN_ENTRIES,
      (c) => ganConfigError(c)?.field ?? null,
    );
    if (dropped.length > 0) notes.push(droppedNote('This model', dropped, 'the toy’s default'));
    return { config: tidy, notes };
  }
  if (lab === 'recsys' && Array.isArray(config.agents)) {
    const agents = config.agents.map((a: unknown, i) => {
      if (!isRecord(a) || typeof a.kind !== 'string' || !isAgentName(a.kind)) return a;
      const kind = a.kind;
      const uses = AGENT_PARAMS[kind];
      const tidy = { ...a };
      const dropped = dropBadUnused(
        tidy,
        AGENT_PARAM_NAMES.filter((p) => !uses.includes(p)),
        agentSettings(kind),
        AGENT_ENTRIES,
        (c) => agentSettingsIssue(c)?.param ?? null,
      );
      if (dropped.length > 0)
        notes.push(droppedNote(`Agent ${i + 1} (${AGENT_LABELS[kind]})`, dropped, 'the default'));
      return tidy;
    });
    return { config: { ...config, agents }, notes };
  }
  return { config, notes };
}

/**
 * Reads a lab's settings from outside (a link, a file, a saved session, a
 * lesson): JSON only, no prototype keys, exactly the lab's fields, values the
 * controls allow, a reward finite on its preview. What is returned is the
 * config as given, less the dropped settings.
 */
export function readLabConfig(lab: LabKind, config: unknown): ConfigReading {
  const refuse = (problem: string): ConfigReading => ({ problem, config: null, notes: [] });
  const json = jsonProblem(config);
  if (json) return refuse(json);
  try {
    const tidy = tidyUnused(lab, config);
    const parsed = v.safeParse(LAB_CONFIG_SCHEMAS[lab], tidy.config);
    if (!parsed.success) return refuse(issueText(parsed.issues[0]));
    // The input, not valibot's copy: its keys keep their order, so a session comes back bit for bit.
    return { problem: null, config: tidy.config as Json, notes: tidy.notes };
  } catch (e) {
    // The lab checks assume a well-formed object; anything that trips them is a bad config.
    return refuse(`the config could not be checked: ${e instanceof Error ? e.message : String(e)}`);
  }
}
