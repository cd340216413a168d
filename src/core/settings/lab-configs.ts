/**
 * Checks that a settings object read from outside (an imported file, a
 * shared link) is a real config of its lab: exactly the lab's keys, each of
 * the right kind, passing the lab's own checks. Returns the problem, or null.
 */
import { DEFAULT_DEMO_CONFIG, demoConfigError, type DemoConfig } from '../demo/config';
import {
  GAN_MODELS,
  ganConfigError,
  presetFor,
  type GanConfig,
  type GanModelKind,
} from '../gan/config';
import {
  defaultRecsysConfig,
  recsysConfigError,
  syntheticProblem,
  type RecsysConfig,
} from '../rl/lab/config';
import { agentSettings } from '../rl/agents/settings';
import { previewReward } from '../rl/lab/reward-preview';
import { jsonProblem } from '../store/json-check';
import type { LabKind } from '../store/schema';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Same keys as `like`, and each value of the same JSON kind. */
function shapeProblem(value: unknown, like: object, where: string): string | null {
  if (!isRecord(value)) return `${where} must be an object`;
  const want = Object.keys(like).sort();
  const have = Object.keys(value).sort();
  const missing = want.filter((k) => !have.includes(k));
  const extra = have.filter((k) => !want.includes(k));
  if (missing.length > 0) return `${where} lacks ${missing.join(', ')}`;
  if (extra.length > 0) return `${where} has unknown settings ${extra.join(', ')}`;
  for (const k of want) {
    const a = (like as Record<string, unknown>)[k];
    const b = value[k];
    const kind = (x: unknown) => (Array.isArray(x) ? 'array' : typeof x);
    if (kind(a) !== kind(b)) return `${where}.${k} must be a ${kind(a)}`;
  }
  return null;
}

export function labConfigProblem(lab: LabKind, config: unknown): string | null {
  const json = jsonProblem(config);
  if (json) return json;
  try {
    switch (lab) {
      case 'demo':
        return (
          shapeProblem(config, DEFAULT_DEMO_CONFIG, 'the config') ??
          demoConfigError(config as DemoConfig)
        );
      case 'gan': {
        const model = isRecord(config) ? config.model : undefined;
        if (typeof model !== 'string' || !GAN_MODELS.includes(model as GanModelKind))
          return 'the config names no known GAN model';
        const problem =
          shapeProblem(config, presetFor(model as GanModelKind), 'the config') ??
          ganConfigError(config as GanConfig)?.message;
        if (problem) return problem;
        const points = (config as GanConfig).toyPoints;
        return points.every((v) => typeof v === 'number') ? null : 'toyPoints must be numbers';
      }
      case 'recsys': {
        // Synthetic shoppers are optional (sessions from before them have none): checked apart.
        const { synthetic, ...rest } = isRecord(config) ? config : {};
        const shape = shapeProblem(
          isRecord(config) ? rest : config,
          defaultRecsysConfig(),
          'the config',
        );
        if (shape) return shape;
        if (synthetic !== undefined && synthetic !== null) {
          const problem = syntheticProblem(synthetic);
          if (problem) return `the synthetic shoppers: ${problem}`;
        }
        const c = config as RecsysConfig;
        for (const [i, a] of c.agents.entries()) {
          const problem = shapeProblem(a, agentSettings('ucb'), `agent ${i + 1}`);
          if (problem) return problem;
        }
        const problem = recsysConfigError(c);
        if (problem) return `${problem.field}: ${problem.message}`;
        return rewardPreviewProblem(c);
      }
    }
  } catch (e) {
    // The lab checks assume a well-formed object; anything that trips them is a bad config.
    return `the config could not be checked: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * A reward that is not finite on the preview's simulated steps (`1/0`, or
 * `log(price)` where nothing was bought) would stop the race on its first
 * steps: refused where the config enters, as the page's preview refuses it.
 */
function rewardPreviewProblem(c: RecsysConfig): string | null {
  try {
    previewReward(c, 512);
    return null;
  } catch (e) {
    return `reward: ${e instanceof Error ? e.message : String(e)}`;
  }
}
