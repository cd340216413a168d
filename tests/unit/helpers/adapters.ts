/** WebGPU adapter reports as browsers give them, for the backend and Auto tests. */
import type { AdapterReport } from '../../../src/core/compute/backends';

/** Chromium's software adapter, as headless Chromium on a GPU-less machine reports it. */
export const swiftshader: AdapterReport = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: 'SwiftShader Device (Subzero)',
  isFallbackAdapter: false,
};

/** A hardware adapter. */
export const nvidia: AdapterReport = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: '',
  isFallbackAdapter: false,
};
