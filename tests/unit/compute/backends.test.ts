import { describe, expect, it } from 'vitest';
import {
  backendCandidates,
  backendLabel,
  isSoftware,
  parseBackendPreference,
  parseThreadLimit,
  unofferedBackends,
  wasmThreadsFor,
  withoutWebgpu,
  type BackendInfo,
  type Capabilities,
} from '../../../src/core/compute/backends';
import { nvidia, swiftshader } from '../helpers/adapters';

const all: Capabilities = {
  webgpu: nvidia,
  webgl: 'ANGLE (NVIDIA, H100)',
  wasm: { simd: true, threads: true },
};
const noGpu: Capabilities = { webgpu: null, webgl: null, wasm: { simd: true, threads: false } };
const bare: Capabilities = { webgpu: null, webgl: null, wasm: null };

function info(patch: Partial<BackendInfo>): BackendInfo {
  return {
    name: 'cpu',
    requested: 'auto',
    adapter: null,
    webglRenderer: null,
    wasm: null,
    skipped: [],
    ...patch,
  };
}

describe('backend choice', () => {
  it.each([
    ['everything available', all, 'auto', [], ['webgpu', 'webgl', 'wasm', 'cpu']],
    ['no WebGPU', { ...all, webgpu: null }, 'auto', [], ['webgl', 'wasm', 'cpu']],
    ['no GPU at all', noGpu, 'auto', [], ['wasm', 'cpu']],
    ['nothing but JavaScript', bare, 'auto', [], ['cpu']],
    ['user asks for wasm', all, 'wasm', [], ['wasm', 'webgpu', 'webgl', 'cpu']],
    ['user asks for cpu', all, 'cpu', [], ['cpu', 'webgpu', 'webgl', 'wasm']],
    ['user asks for WebGPU that is missing', noGpu, 'webgpu', [], ['wasm', 'cpu']],
    ['WebGPU was lost', all, 'auto', ['webgpu'], ['webgl', 'wasm', 'cpu']],
    ['user asks for a lost backend', all, 'webgpu', ['webgpu'], ['webgl', 'wasm', 'cpu']],
    ['cpu cannot be excluded', bare, 'auto', ['cpu'], ['cpu']],
    ['user asked for WebGL and lost it', all, 'webgl', ['webgl'], ['wasm', 'webgpu', 'cpu']],
    ['user asked for WASM, lost WebGPU earlier', all, 'wasm', ['webgpu'], ['wasm', 'webgl', 'cpu']],
    ['WebGL lost after WebGPU, in auto', all, 'auto', ['webgpu', 'webgl'], ['wasm', 'cpu']],
  ] as const)('%s', (_, caps, pref, excluded, expected) => {
    expect(backendCandidates(caps, pref, excluded)).toEqual(expected);
  });

  it.each([
    ['webgpu', 'webgpu'],
    ['WebGL', 'webgl'],
    [' cpu ', 'cpu'],
    ['auto', 'auto'],
    ['cuda', null],
    ['', null],
    [null, null],
  ] as const)('parses ?backend=%s', (input, expected) => {
    expect(parseBackendPreference(input)).toBe(expected);
  });
});

describe('WASM threads', () => {
  it.each([
    ['one per core when isolated, with SIMD', all, 2, null, 2],
    ['capped at the 8 pthreads tfjs keeps ready', all, 32, null, 8],
    ['capped by ?threads=', all, 16, 3, 3],
    ['a cap above the cores changes nothing', all, 2, 6, 2],
    ['one without cross-origin isolation', noGpu, 16, null, 1],
    [
      'one without SIMD (the threaded build needs it)',
      { ...all, wasm: { simd: false, threads: true } },
      16,
      null,
      1,
    ],
    ['one without WebAssembly', bare, 16, null, 1],
    ['one when the browser hides its core count', all, undefined, null, 1],
  ] as const)('%s', (_, caps, cores, limit, expected) => {
    expect(wasmThreadsFor(caps, cores, limit)).toBe(expected);
  });

  it('reads ?threads= as a whole number from 1 to 8', () => {
    expect(parseThreadLimit('1')).toBe(1);
    expect(parseThreadLimit(' 8 ')).toBe(8);
    for (const bad of [null, '', '0', '9', '2.5', '-1', 'two', '1e1'])
      expect(parseThreadLimit(bad)).toBeNull();
  });
});

describe('backend labels', () => {
  it('marks software adapters', () => {
    expect(isSoftware(swiftshader, null)).toBe(true);
    expect(isSoftware({ ...nvidia, isFallbackAdapter: true }, null)).toBe(true);
    expect(isSoftware(nvidia, null)).toBe(false);
    expect(isSoftware(null, 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))')).toBe(
      true,
    );
    expect(isSoftware(null, 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620)')).toBe(false);
  });

  it.each([
    [info({ name: 'webgpu', adapter: swiftshader }), 'WebGPU · SwiftShader (software)'],
    [info({ name: 'webgpu', adapter: nvidia }), 'WebGPU · NVIDIA Hopper'],
    [
      info({ name: 'webgl', webglRenderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))' }),
      'WebGL · SwiftShader (software)',
    ],
    [
      info({
        name: 'webgl',
        webglRenderer: 'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
      }),
      'WebGL · Apple ANGLE Metal Renderer: Apple M2',
    ],
    [info({ name: 'wasm', wasm: { simd: true, threads: 4 } }), 'WASM · SIMD · 4 threads'],
    [info({ name: 'wasm', wasm: { simd: false, threads: 1 } }), 'WASM · 1 thread'],
    [info({ name: 'cpu' }), 'CPU · plain JavaScript'],
  ])('labels %#', (i, expected) => {
    expect(backendLabel(i)).toBe(expected);
  });
});

describe('without WebGPU', () => {
  const caps = (webgpu: boolean): Capabilities => ({
    webgpu: webgpu
      ? {
          vendor: 'google',
          architecture: 'swiftshader',
          device: '',
          description: '',
          isFallbackAdapter: false,
        }
      : null,
    webgl: 'ANGLE',
    wasm: { simd: true, threads: false },
  });
  const info = (over: Partial<BackendInfo>): BackendInfo => ({
    name: 'webgl',
    requested: 'auto',
    adapter: null,
    webglRenderer: 'ANGLE',
    wasm: null,
    skipped: [],
    ...over,
  });

  it('names the backends ahead of the chosen one that were never tried, and why', () => {
    expect(unofferedBackends('webgl', caps(false), [])).toEqual([
      { name: 'webgpu', reason: 'this browser offers no WebGPU adapter' },
    ]);
    expect(unofferedBackends('wasm', caps(true), ['webgpu', 'webgl'])).toEqual([
      { name: 'webgpu', reason: 'its GPU device was lost earlier in this tab' },
      { name: 'webgl', reason: 'its GPU device was lost earlier in this tab' },
    ]);
    expect(unofferedBackends('webgpu', caps(true), [])).toEqual([]);
  });

  it('says what runs instead and why, only when auto could not use WebGPU', () => {
    const unoffered = unofferedBackends('webgl', caps(false), []);
    expect(withoutWebgpu(info({ unoffered }))).toBe(
      'WebGPU is not in use: this browser offers no WebGPU adapter. Training runs on WebGL, your GPU through WebGL, which is slower.',
    );
    const failed = info({
      name: 'cpu',
      skipped: [{ name: 'webgpu', reason: 'requestDevice failed' }],
    });
    expect(withoutWebgpu(failed)).toMatch(
      /requestDevice failed\. Training runs on CPU, plain JavaScript/,
    );
    expect(withoutWebgpu(info({ name: 'webgpu' }))).toBeNull();
    expect(withoutWebgpu(info({ requested: 'webgl' }))).toBeNull(); // the user chose it
  });
});
