/**
 * Which TensorFlow.js backend to run on, decided from what the browser offers.
 * Pure logic: the probing lives in probe.ts and the tfjs calls in activate.ts,
 * so the order and the labels can be tested in node with faked capabilities.
 */

/** Backends in the order DemandLab prefers them: fastest first on typical hardware. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];
/** What the user asked for: a backend by name, or `auto` for the first that works. */
export type BackendPreference = BackendName | 'auto';

/** What we learned about a WebGPU adapter (GPUAdapterInfo plus the fallback flag). */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software adapter the browser offers as a last resort (SwiftShader, WARP). */
  isFallbackAdapter: boolean;
}

/** What the current browser can run, as found by probe.ts. */
export interface Capabilities {
  /** The WebGPU adapter, or null when `navigator.gpu` is missing or gives no adapter. */
  webgpu: AdapterReport | null;
  /** The WebGL2 renderer string (unmasked when allowed), or null without WebGL2. */
  webgl: string | null;
  /** WebAssembly support, or null without it. */
  wasm: { simd: boolean; threads: boolean } | null;
}

/** The backend actually running, as shown in the header badge. */
export interface BackendInfo {
  /** The tfjs backend in use (`tf.getBackend()`). */
  name: BackendName;
  requested: BackendPreference;
  adapter: AdapterReport | null;
  webglRenderer: string | null;
  /** For wasm: SIMD and the thread count tfjs uses (1 without cross-origin isolation). */
  wasm: { simd: boolean; threads: number } | null;
  /** Backends tried before this one and why each was passed over. */
  skipped: { name: BackendName; reason: string }[];
  /** Backends ahead of this one that were never tried, and why (set by the worker host). */
  unoffered?: { name: BackendName; reason: string }[];
  /** How "auto" chose by timing a training step (auto-choice.ts); absent when it did not time. */
  choice?: AutoChoice;
}

/* What "auto" measured (auto-choice.ts times it); kept here, with the backend it describes. */

/** One backend's result. */
export interface Measured {
  name: BackendName;
  /** Steady steps per second after the first step; null when none were timed. */
  stepsPerSecond: number | null;
  /** Milliseconds of the first (cold) step, or null when it did not finish. */
  firstStepMs: number | null;
  /** Why there is no speed, in words ("its first step took over 0.6 s"); '' when timed. */
  note: string;
  /** Set when not timed because the GPU renders in software: its name ("SwiftShader"). */
  software?: string;
}

/** What the probe found on one device, as kept in localStorage. */
export interface AutoRecord {
  /** deviceKey(): the browser, its adapters and the core count. */
  device: string;
  /** When it was measured (ISO 8601). */
  at: string;
  results: Measured[];
}

/** How "auto" chose, as the page shows it. */
export interface AutoChoice extends AutoRecord {
  /** True when the record came from an earlier visit, false when measured just now. */
  remembered: boolean;
}

const LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

const VENDORS: Record<string, string> = {
  nvidia: 'NVIDIA',
  amd: 'AMD',
  ati: 'AMD',
  intel: 'Intel',
  apple: 'Apple',
  qualcomm: 'Qualcomm',
  arm: 'Arm',
  google: 'Google',
  microsoft: 'Microsoft',
  mesa: 'Mesa',
};

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|software|basic render/i;

/**
 * Threads for WASM training, the calling thread included: one per logical
 * core, at most 8; 1 without SIMD (the threaded build needs it) or without
 * cross-origin isolation (no SharedArrayBuffer). More than one loads tfjs's
 * threaded build, whose shared memory the app's GEMM helpers work in
 * (activate.ts, wasm-gemm.ts).
 */
export function wasmThreadsFor(
  caps: Capabilities,
  cores: number | undefined,
  limit: number | null = null,
): number {
  if (!caps.wasm?.simd || !caps.wasm.threads) return 1;
  return Math.max(1, Math.min(8, limit ?? 8, Math.floor(cores ?? 1)));
}

/** Reads `?threads=` (a cap on WASM threads, 1 to 8, for comparisons); null when absent or invalid. */
export function parseThreadLimit(value: string | null | undefined): number | null {
  if (!value || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= 8 ? n : null;
}

/** Reads `?backend=` style input; null when absent or not a known backend. */
export function parseBackendPreference(value: string | null | undefined): BackendPreference | null {
  if (!value) return null;
  const v = value.trim().toLowerCase();
  if (v === 'auto') return 'auto';
  return (BACKEND_ORDER as readonly string[]).includes(v) ? (v as BackendName) : null;
}

/** Whether the capabilities say this backend can be tried at all. */
export function isAvailable(name: BackendName, caps: Capabilities): boolean {
  switch (name) {
    case 'webgpu':
      return caps.webgpu !== null;
    case 'webgl':
      return caps.webgl !== null;
    case 'wasm':
      return caps.wasm !== null;
    case 'cpu':
      return true;
  }
}

/**
 * The backends to try, in order. An explicit preference goes first when it is
 * usable; the rest follow in BACKEND_ORDER as fallbacks. `excluded` holds
 * backends that already failed in this page (a lost GPU device), which are
 * never tried again; cpu is the floor and cannot be excluded. When the
 * preferred backend is the one that was lost, the next ones after it in the
 * order come first: losing WebGL moves to WASM, not back up to WebGPU.
 */
export function backendCandidates(
  caps: Capabilities,
  preference: BackendPreference,
  excluded: readonly BackendName[] = [],
): BackendName[] {
  const usable = BACKEND_ORDER.filter(
    (b) => b === 'cpu' || (isAvailable(b, caps) && !excluded.includes(b)),
  );
  if (preference === 'auto') return usable;
  if (usable.includes(preference)) return [preference, ...usable.filter((b) => b !== preference)];
  if (!excluded.includes(preference)) return usable;
  const at = BACKEND_ORDER.indexOf(preference);
  const after = usable.filter((b) => b !== 'cpu' && BACKEND_ORDER.indexOf(b) > at);
  const before = usable.filter((b) => b !== 'cpu' && BACKEND_ORDER.indexOf(b) < at);
  return [...after, ...before, 'cpu'];
}

/** True when the adapter or renderer is a software rasteriser rather than a real GPU. */
export function isSoftware(adapter: AdapterReport | null, webglRenderer: string | null): boolean {
  if (adapter) {
    return (
      adapter.isFallbackAdapter ||
      SOFTWARE_NAMES.test(`${adapter.architecture} ${adapter.description} ${adapter.device}`)
    );
  }
  return webglRenderer !== null && SOFTWARE_NAMES.test(webglRenderer);
}

function titleCase(s: string): string {
  return s.replace(/(^|[\s_-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/** A short human name for an adapter: "SwiftShader", "NVIDIA Hopper", "Apple Metal-3". */
export function adapterName(a: AdapterReport): string {
  if (/swiftshader/i.test(`${a.architecture} ${a.description}`)) return 'SwiftShader';
  const vendor = VENDORS[a.vendor.toLowerCase()] ?? titleCase(a.vendor);
  const arch = a.architecture ? titleCase(a.architecture) : '';
  const name = [vendor, arch].filter(Boolean).join(' ');
  return name || a.description || 'unknown adapter';
}

/** A short name for a WebGL renderer string such as "ANGLE (Google, Vulkan 1.3 (SwiftShader ...))". */
export function rendererName(renderer: string): string {
  if (/swiftshader/i.test(renderer)) return 'SwiftShader';
  const angle = /^ANGLE \(([^,]+),\s*([^,(]+)/.exec(renderer);
  if (angle) return `${angle[1]!.trim()} ${angle[2]!.trim()}`;
  return renderer.length > 40 ? `${renderer.slice(0, 39)}…` : renderer;
}

/** The header badge text, e.g. "WebGPU · SwiftShader (software)" or "WASM · SIMD · 4 threads". */
export function backendLabel(info: BackendInfo): string {
  const parts: string[] = [LABELS[info.name]];
  if (info.name === 'webgpu' && info.adapter) {
    parts.push(adapterName(info.adapter) + (isSoftware(info.adapter, null) ? ' (software)' : ''));
  } else if (info.name === 'webgl' && info.webglRenderer) {
    parts.push(
      rendererName(info.webglRenderer) +
        (isSoftware(null, info.webglRenderer) ? ' (software)' : ''),
    );
  } else if (info.name === 'wasm' && info.wasm) {
    if (info.wasm.simd) parts.push('SIMD');
    parts.push(info.wasm.threads > 1 ? `${info.wasm.threads} threads` : '1 thread');
  } else if (info.name === 'cpu') {
    parts.push('plain JavaScript');
  }
  return parts.join(' · ');
}

/** The display name of a backend ("WebGPU"). */
export function backendTitle(name: BackendName): string {
  return LABELS[name];
}

/**
 * Why each backend ahead of `chosen` in BACKEND_ORDER was not a candidate at
 * all (activate.ts records why a candidate failed): lost earlier in this
 * page, or not offered by the browser.
 */
export function unofferedBackends(
  chosen: BackendName,
  caps: Capabilities,
  excluded: readonly BackendName[],
): NonNullable<BackendInfo['unoffered']> {
  return BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(chosen))
    .filter((b) => excluded.includes(b) || !isAvailable(b, caps))
    .map((name) => ({
      name,
      reason: excluded.includes(name)
        ? 'its GPU device was lost earlier in this tab'
        : name === 'webgpu'
          ? 'this browser offers no WebGPU adapter'
          : name === 'webgl'
            ? 'this browser offers no WebGL2'
            : 'this browser cannot run WebAssembly',
    }));
}

/** Where the user can read how to turn WebGPU on in their browser (opened only when clicked). */
export const ENABLE_WEBGPU_URL = 'https://github.com/gpuweb/gpuweb/wiki/Implementation-Status';

const INSTEAD: Record<Exclude<BackendName, 'webgpu'>, string> = {
  webgl: 'your GPU through WebGL, which is slower',
  wasm: 'the CPU through WebAssembly, which is slower than a GPU',
  cpu: 'plain JavaScript on the CPU, the slowest path',
};

/**
 * The line the page shows when "auto" could not train on WebGPU: what runs
 * instead and why. Null on WebGPU, or when the user picked a backend.
 */
export function withoutWebgpu(info: BackendInfo): string | null {
  if (info.name === 'webgpu' || info.requested !== 'auto') return null;
  const why =
    [...(info.unoffered ?? []), ...info.skipped].find((s) => s.name === 'webgpu')?.reason ??
    'it was not tried';
  return `WebGPU is not in use: ${why}. Training runs on ${LABELS[info.name]}, ${INSTEAD[info.name]}.`;
}
