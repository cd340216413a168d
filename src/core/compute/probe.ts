/**
 * Finds out what the current JavaScript realm (the training worker, normally)
 * can run. Uses only worker-safe globals: navigator.gpu, OffscreenCanvas and
 * WebAssembly. The globals come in as a parameter so node tests can fake them.
 */
import type { AdapterReport, Capabilities } from './backends';

/** The globals probing reads; `globalThis` in the browser. */
export interface ProbeScope {
  navigator?: { gpu?: Pick<GPU, 'requestAdapter'> };
  OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: 'webgl2'): unknown };
  WebAssembly?: typeof WebAssembly;
  crossOriginIsolated?: boolean;
}

// The smallest module using a SIMD instruction (v128.const + drop), as in wasm-feature-detect.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** Reads GPUAdapterInfo from an adapter, old and new Chrome shapes alike. */
export async function describeAdapter(adapter: GPUAdapter): Promise<AdapterReport> {
  // Chrome 121+ exposes adapter.info; older versions had requestAdapterInfo().
  const legacy = adapter as GPUAdapter & {
    requestAdapterInfo?: () => Promise<GPUAdapterInfo>;
    isFallbackAdapter?: boolean;
  };
  const info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } =
    adapter.info ?? (legacy.requestAdapterInfo ? await legacy.requestAdapterInfo() : {});
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
  };
}

async function probeWebGPU(scope: ProbeScope): Promise<AdapterReport | null> {
  const gpu = scope.navigator?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? await describeAdapter(adapter) : null;
  } catch {
    return null;
  }
}

interface GL2 {
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
  RENDERER: number;
}

function probeWebGL(scope: ProbeScope): string | null {
  if (!scope.OffscreenCanvas) return null;
  try {
    const gl = new scope.OffscreenCanvas(1, 1).getContext('webgl2') as GL2 | null;
    if (!gl) return null;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info') as {
      UNMASKED_RENDERER_WEBGL: number;
    } | null;
    const renderer = gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    // Free the context at once: browsers cap live WebGL contexts per page.
    (gl.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
    return typeof renderer === 'string' && renderer ? renderer : 'WebGL2';
  } catch {
    return null;
  }
}

function probeWasm(scope: ProbeScope): Capabilities['wasm'] {
  const wasm = scope.WebAssembly;
  if (!wasm) return null;
  let simd: boolean;
  try {
    simd = wasm.validate(SIMD_PROBE);
  } catch {
    simd = false;
  }
  // Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages.
  return { simd, threads: scope.crossOriginIsolated === true };
}

/** Probes WebGPU, WebGL2 and WebAssembly in `scope`. */
export async function probeCapabilities(
  scope: ProbeScope = globalThis as unknown as ProbeScope,
): Promise<Capabilities> {
  return {
    webgpu: await probeWebGPU(scope),
    webgl: probeWebGL(scope),
    wasm: probeWasm(scope),
  };
}
