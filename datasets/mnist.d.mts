/** Types for mnist.mjs, so TypeScript tests and tools can import it. */
import type { MnistManifest } from '../src/core/data/mnist';

export declare const WIDTH: 28;
export declare const HEIGHT: 28;
export declare const PIXELS: 784;
export declare const FORMAT: 'demandlab-mnist';
export declare const FORMAT_VERSION: 1;
/** The manifest the script writes is the one the app's loader reads. */
export type BuiltManifest = MnistManifest;
export declare function mnistPackage(): Promise<{ digitsDir: string; version: string }>;
export declare function encodeMnist(
  perDigit: number[][],
  source: string,
): { bin: Uint8Array; manifest: BuiltManifest };
export declare function buildMnist(): Promise<{ bin: Uint8Array; manifest: BuiltManifest }>;
