import { describe, expect, it } from 'vitest';
import {
  RDP_ORDERS,
  dpDelta,
  dpEpsilon,
  sampledGaussianRdp,
  secureNormal,
} from '../../../src/core/gan/privacy';

describe('the DP-SGD accountant', () => {
  it('without subsampling, an order-α step costs α / 2σ² (the Gaussian mechanism)', () => {
    for (const a of [2, 5, 32]) expect(sampledGaussianRdp(1, 1.5, a)).toBeCloseTo(a / 4.5, 12);
    expect(sampledGaussianRdp(0, 1.5, 8)).toBe(0);
    // Subsampling amplifies privacy: far less than the unsampled cost.
    expect(sampledGaussianRdp(0.01, 1.5, 8)).toBeLessThan((0.01 * 8) / 4.5);
  });

  it("matches TensorFlow Privacy's MNIST example: 60 epochs of 60,000 at batch 256, σ 1.1, δ 1e-5 give ε 3.01", () => {
    const steps = Math.ceil((60 * 60_000) / 256);
    const q = 256 / 60_000;
    // TF Privacy's figure uses the classic conversion ε = RDP + log(1/δ)/(α - 1).
    const classic = Math.min(
      ...RDP_ORDERS.map((a) => steps * sampledGaussianRdp(q, 1.1, a) + Math.log(1e5) / (a - 1)),
    );
    expect(classic).toBeCloseTo(3.01, 2);
    // The tighter conversion we report is valid and smaller.
    const reported = dpEpsilon(steps, q, 1.1, 1e-5);
    expect(reported).toBeLessThan(classic);
    expect(reported).toBeGreaterThan(2.3);
  });

  it('ε grows with steps and shrinks with noise', () => {
    const q = 64 / 2000;
    expect(dpEpsilon(0, q, 1, 1e-5)).toBe(0);
    expect(dpEpsilon(200, q, 1, 1e-5)).toBeLessThan(dpEpsilon(2000, q, 1, 1e-5));
    expect(dpEpsilon(2000, q, 4, 1e-5)).toBeLessThan(dpEpsilon(2000, q, 1, 1e-5));
    expect(() => dpEpsilon(10, q, 1, 0)).toThrow(/δ/);
  });

  it('states δ below one over ten times the rows, at most 1e-5', () => {
    expect(dpDelta(300)).toBe(1e-5);
    expect(dpDelta(50_000)).toBeCloseTo(1e-6, 15);
    expect(dpDelta(50_000)).toBeLessThan(1 / 50_000);
  });

  it('draws its noise from the cryptographic generator: standard normal, never repeated', () => {
    const a = secureNormal(100_001);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(Array.from(secureNormal(8))).not.toEqual(Array.from(secureNormal(8)));
  });
});
