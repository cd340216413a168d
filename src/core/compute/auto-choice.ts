/**
 * "Auto" as a measurement: which backend trains fastest on this device, from
 * a short timed training step on each (speed-probe.ts runs it in the worker),
 * remembered per device so later visits start at once. Pure logic: the
 * records, the order they give and the words that explain it.
 */
import {
  BACKEND_ORDER,
  adapterName,
  backendTitle,
  isSoftware,
  rendererName,
  withoutWebgpu,
  type BackendInfo,
  type AutoChoice,
  type AutoRecord,
  type BackendName,
  type Capabilities,
  type Measured,
} from './backends';

/** Why software GPUs are not timed beside WASM (bench figures, README "Performance"). */
export const SOFTWARE_GPU_REASON =
  'Software GPUs trained every model in the bench 22 to 39 times slower than WASM, so they are not timed.';

/** The whole probe's time, shared out in TIMED_BACKENDS order; what one leaves goes to the next. */
export const PROBE_BUDGET_MS = 2000;

/**
 * A hardware GPU compiles its programs on the first step, once per model; the
 * training after the probe reuses them. Its first step may take this long
 * before it counts as too slow, so compile time alone does not rule a real
 * GPU out. Software GPUs get no grace: their compile is the slow part.
 */
export const GPU_FIRST_STEP_GRACE_MS = 10_000;

/** What the worker knows of its device beyond the capabilities. */
export interface DeviceTraits {
  userAgent: string;
  cores: number;
}

/**
 * Names this device for the record: browser build, WebGPU adapter, WebGL
 * renderer, WASM features and cores. A new browser version or GPU measures again.
 */
export function deviceKey(caps: Capabilities, traits: DeviceTraits): string {
  const a = caps.webgpu;
  return [
    traits.userAgent,
    a
      ? `webgpu:${[a.vendor, a.architecture, a.device, a.description].join('/')}${a.isFallbackAdapter ? ' (fallback)' : ''}`
      : 'webgpu:none',
    `webgl:${caps.webgl ?? 'none'}`,
    `wasm:${caps.wasm ? `${caps.wasm.simd ? 'simd' : 'nosimd'},${caps.wasm.threads ? 'threads' : 'nothreads'}` : 'none'}`,
    `cores:${traits.cores}`,
  ].join(' | ');
}

const MAX_RECORDS = 8;

function isMeasured(v: unknown): v is Measured {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  const numOrNull = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x));
  return (
    typeof m.name === 'string' &&
    (BACKEND_ORDER as readonly string[]).includes(m.name) &&
    numOrNull(m.stepsPerSecond) &&
    numOrNull(m.firstStepMs) &&
    typeof m.note === 'string' &&
    (m.software === undefined || typeof m.software === 'string')
  );
}

/** Reads stored records; anything malformed (an old format, a hand edit) is dropped, never thrown. */
export function parseAutoRecords(value: unknown): AutoRecord[] {
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  return list.filter((r): r is AutoRecord => {
    if (typeof r !== 'object' || r === null) return false;
    const o = r as Record<string, unknown>;
    return (
      typeof o.device === 'string' &&
      typeof o.at === 'string' &&
      Array.isArray(o.results) &&
      o.results.every(isMeasured)
    );
  });
}

/** The records with `record` in front, replacing any for the same device, at most MAX_RECORDS. */
export function withAutoRecord(records: readonly AutoRecord[], record: AutoRecord): AutoRecord[] {
  return [record, ...records.filter((r) => r.device !== record.device)].slice(0, MAX_RECORDS);
}

/** The records without this device's, for "measure again". */
export function withoutAutoRecord(records: readonly AutoRecord[], device: string): AutoRecord[] {
  return records.filter((r) => r.device !== device);
}

/**
 * The candidates in the order to try them: measured backends fastest first,
 * then the rest in their usual order, CPU last. Backends not among the
 * candidates (lost in this tab, not offered) stay out.
 */
export function rankCandidates(
  candidates: readonly BackendName[],
  results: readonly Measured[],
): BackendName[] {
  const speed = (b: BackendName) => results.find((r) => r.name === b)?.stepsPerSecond ?? null;
  const timed = candidates.filter((b) => speed(b) !== null).sort((a, b) => speed(b)! - speed(a)!);
  return [...timed, ...candidates.filter((b) => speed(b) === null)];
}

/** Which backends to time, and the ones left out with the reason. */
export interface TimingPlan {
  /** In timing order; `grace`: a hardware GPU, whose first step may take longer. */
  timed: { name: BackendName; grace: boolean }[];
  untimed: { name: BackendName; note: string; software: string }[];
}

/**
 * What to time among the candidates, or null when there is nothing to
 * choose. WASM and hardware GPUs are timed, WASM first (it starts fastest).
 * A software GPU (SwiftShader and the like) is not when WASM can run: in
 * every model of this project's bench it trained 22 to 39 times slower than
 * WASM, and compiling its programs alone takes seconds. CPU is the floor.
 */
export function timingPlan(
  candidates: readonly BackendName[],
  caps: Capabilities,
): TimingPlan | null {
  const plan: TimingPlan = { timed: [], untimed: [] };
  const wasm = candidates.includes('wasm');
  if (wasm) plan.timed.push({ name: 'wasm', grace: false });
  for (const name of ['webgl', 'webgpu'] as const) {
    if (!candidates.includes(name)) continue;
    const software =
      name === 'webgpu' ? isSoftware(caps.webgpu, null) : isSoftware(null, caps.webgl);
    if (!software) plan.timed.push({ name, grace: true });
    else if (wasm) {
      const what =
        name === 'webgpu' && caps.webgpu
          ? adapterName(caps.webgpu)
          : caps.webgl
            ? rendererName(caps.webgl)
            : 'software';
      plan.untimed.push({ name, note: `software rendering (${what}), not timed`, software: what });
    }
  }
  return plan.timed.length > 1 || plan.untimed.length > 0 ? plan : null;
}

/** Rounds a speed for people: 3 significant figures below 100, whole numbers above. */
function speedText(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

/** One backend's result in words: "WASM 7.9 steps/s" or "WebGPU: its first step took over 0.6 s". */
export function measuredText(m: Measured): string {
  return m.stepsPerSecond !== null
    ? `${backendTitle(m.name)} ${speedText(m.stepsPerSecond)} steps/s`
    : `${backendTitle(m.name)}: ${m.note}`;
}

/** The tooltip's account of the choice. */
export function choiceLines(choice: AutoChoice, chosen: BackendName): string[] {
  const day = choice.at.slice(0, 10);
  return [
    `Auto chose ${backendTitle(chosen)}: the fastest at the article GAN's training step on this device ` +
      `(${choice.remembered ? `measured ${day}, remembered` : 'measured just now'}).`,
    ...choice.results.map(measuredText),
    ...(choice.results.some((r) => r.software) ? [SOFTWARE_GPU_REASON] : []),
    'To time them again, pick "Auto: measure again" in the menu.',
  ];
}

/**
 * The line the page shows when "auto" is not training on WebGPU. A lost
 * device, a missing adapter or a failed start says so (withoutWebgpu); when
 * the timing decided, it gives the figures (`timed`: WebGPU works, so the page
 * does not point to how to turn it on).
 */
export function autoNotice(info: BackendInfo): { text: string; timed: boolean } | null {
  const plain = withoutWebgpu(info);
  if (plain === null) return null;
  const ruledOut = [...(info.unoffered ?? []), ...info.skipped].some((s) => s.name === 'webgpu');
  const webgpu = info.choice?.results.find((r) => r.name === 'webgpu');
  if (ruledOut || !info.choice || !webgpu) return { text: plain, timed: false };
  const chosen = info.choice.results.find((r) => r.name === info.name);
  const title = backendTitle(info.name);
  if (webgpu.software) {
    const speed =
      chosen?.stepsPerSecond != null
        ? ` (${speedText(chosen.stepsPerSecond)} steps/s at the article GAN's training step)`
        : '';
    return {
      text:
        `WebGPU is not in use: here it renders in software (${webgpu.software}), and software ` +
        'GPUs trained every model in the bench 22 to 39 times slower than WASM, so Auto did ' +
        `not time it. Training runs on ${title}${speed}.`,
      timed: true,
    };
  }
  const others = info.choice.results.filter((r) => r !== chosen).map(measuredText);
  return {
    text:
      `WebGPU is not in use: Auto timed the article GAN's training step, and ` +
      `${chosen ? measuredText(chosen) : title} was the fastest on this device ` +
      `(${others.join('; ')}). Training runs on ${title}.`,
    timed: true,
  };
}
