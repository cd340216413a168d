/**
 * The chart series colours stay apart for people with colour-vision
 * deficiency: each pair of the four series colours, in each theme, is
 * simulated for protanopia, deuteranopia and tritanopia (Machado, Oliveira
 * and Fernandes 2009, severity 1) and compared in CIELAB.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../../src/app.css', import.meta.url), 'utf8');
const [light, dark] = css.split('@media (prefers-color-scheme: dark)');

function seriesColours(block: string): string[] {
  return [1, 2, 3, 4].map((i) => {
    const m = new RegExp(`--series-${i}: (#[0-9a-f]{6});`).exec(block);
    if (!m) throw new Error(`--series-${i} not found`);
    return m[1]!;
  });
}

const SIMULATIONS: Record<string, number[][]> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

const linear = (hex: string) =>
  [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });

function lab([r, g, b]: number[]): number[] {
  const x = (0.4124 * r! + 0.3576 * g! + 0.1805 * b!) / 0.9505;
  const y = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  const z = (0.0193 * r! + 0.1192 * g! + 0.9505 * b!) / 1.089;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

const simulate = (rgb: number[], m: number[][]) =>
  m.map((row) =>
    Math.min(1, Math.max(0, row[0]! * rgb[0]! + row[1]! * rgb[1]! + row[2]! * rgb[2]!)),
  );

/** The closest pair of colours as seen with each deficiency (and without). */
function closest(colours: string[]): { vision: string; deltaE: number } {
  let worst = { vision: '', deltaE: Infinity };
  for (const [vision, m] of [['typical', null], ...Object.entries(SIMULATIONS)] as const) {
    const seen = colours.map((c) => lab(m ? simulate(linear(c), m) : linear(c)));
    for (let i = 0; i < seen.length; i++)
      for (let j = i + 1; j < seen.length; j++) {
        const d = Math.hypot(...seen[i]!.map((v, k) => v - seen[j]![k]!));
        if (d < worst.deltaE)
          worst = { vision: `${vision}, series ${i + 1} and ${j + 1}`, deltaE: d };
      }
  }
  return worst;
}

describe('chart series colours', () => {
  it('stay clearly apart in both themes for common colour blindness', () => {
    for (const [theme, block] of [
      ['light', light!],
      ['dark', dark!],
    ] as const) {
      const worst = closest(seriesColours(block));
      expect(worst.deltaE, `${theme} theme: ${worst.vision}`).toBeGreaterThan(15);
    }
  });

  it('would catch a pair that only hue tells apart', () => {
    // Red and green of equal lightness: distinct to typical vision, one colour to a deuteranope.
    expect(closest(['#b35a00', '#5a8a00', '#2f5bd3', '#000000']).deltaE).toBeLessThan(15);
  });
});
