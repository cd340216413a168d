/** Types for mnist.mjs, so TypeScript tests and tools can import it. */
export declare const WIDTH: 28;
export declare const HEIGHT: 28;
export declare const PIXELS: 784;
export declare const FORMAT: 'demandlab-mnist';
export declare const FORMAT_VERSION: 1;
export interface BuiltManifest {
  format: 'demandlab-mnist';
  version: number;
  source: string;
  file: string;
  count: number;
  width: number;
  height: number;
  labelsOffset: number;
  pixelsOffset: number;
  bytes: number;
  sha256: string;
}
export declare function mnistPackage(): Promise<{ digitsDir: string; version: string }>;
export declare function encodeMnist(
  perDigit: number[][],
  source: string,
): { bin: Uint8Array; manifest: BuiltManifest };
export declare function buildMnist(): Promise<{ bin: Uint8Array; manifest: BuiltManifest }>;
