import { describe, expect, it } from 'vitest';
import { probeCapabilities, type ProbeScope } from '../../../src/core/compute/probe';

function fakeAdapter(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPUAdapter {
  return { info } as unknown as GPUAdapter;
}

describe('capability probe', () => {
  it('reads the WebGPU adapter info, WebGL renderer and WASM features', async () => {
    let lost = false;
    const scope: ProbeScope = {
      navigator: {
        gpu: {
          requestAdapter: async () =>
            fakeAdapter({
              vendor: 'google',
              architecture: 'swiftshader',
              description: 'SwiftShader',
              isFallbackAdapter: true,
            }),
        },
      },
      OffscreenCanvas: class {
        getContext() {
          return {
            RENDERER: 7937,
            getExtension: (name: string) =>
              name === 'WEBGL_debug_renderer_info'
                ? { UNMASKED_RENDERER_WEBGL: 37446 }
                : { loseContext: () => (lost = true) },
            getParameter: (p: number) =>
              p === 37446 ? 'ANGLE (Google, SwiftShader)' : 'WebKit WebGL',
          };
        }
      },
      WebAssembly,
      crossOriginIsolated: true,
    };
    const caps = await probeCapabilities(scope);
    expect(caps.webgpu).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: 'SwiftShader',
      isFallbackAdapter: true,
    });
    expect(caps.webgl).toBe('ANGLE (Google, SwiftShader)');
    expect(lost).toBe(true); // the probe frees its WebGL context
    expect(caps.wasm).toEqual({ simd: true, threads: true });
  });

  it('reports nothing where the browser offers nothing, and survives throwing APIs', async () => {
    expect(await probeCapabilities({})).toEqual({ webgpu: null, webgl: null, wasm: null });
    const hostile: ProbeScope = {
      navigator: { gpu: { requestAdapter: () => Promise.reject(new Error('blocked')) } },
      OffscreenCanvas: class {
        getContext(): unknown {
          throw new Error('no GL');
        }
      },
      WebAssembly,
      crossOriginIsolated: false,
    };
    expect(await probeCapabilities(hostile)).toEqual({
      webgpu: null,
      webgl: null,
      wasm: { simd: true, threads: false },
    });
  });

  it('treats a null adapter as no WebGPU', async () => {
    const caps = await probeCapabilities({
      navigator: { gpu: { requestAdapter: async () => null } },
    });
    expect(caps.webgpu).toBeNull();
  });
});
