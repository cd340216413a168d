import { zipSync } from 'fflate';
import { decodeRaw, raw } from '../helpers/raw-images';
import { patchEntry, renameEntry } from '../helpers/zip-surgery';
import { describe, expect, it } from 'vitest';
import {
  IMAGE_SET_LIMITS,
  buildImageSet,
  centreSquare,
  classifyFile,
  fitImage,
  imageSetProblem,
  type DecodedImage,
  type InputFile,
} from '../../../src/core/data/image-set';

const file = (name: string, bytes: Uint8Array): InputFile => ({
  name,
  size: bytes.length,
  bytes: () => Promise.resolve(bytes),
});

const solid = (rgba: number[]) => raw(4, 4, () => rgba);
const img = (width: number, height: number, rgba: number[]): DecodedImage => ({
  width,
  height,
  rgba: Uint8Array.from(rgba),
});

describe('classifyFile', () => {
  it.each([
    ['cat.PNG', 10, 'image'],
    ['photos/dog.jpeg', 10, 'image'],
    ['set.zip', 10, 'zip'],
    ['.DS_Store', 10, 'ignore'],
    ['__MACOSX/photos/._dog.jpeg', 10, 'ignore'],
    ['folder/', 0, 'ignore'],
    ['notes.txt', 10, 'skip'],
    ['logo.svg', 10, 'skip'],
    ['README', 10, 'skip'],
    ['empty.png', 0, 'skip'],
    ['huge.png', IMAGE_SET_LIMITS.maxFileBytes + 1, 'skip'],
  ])('%s (%i bytes) is %s', (name, size, kind) => {
    expect(classifyFile(name, size).kind).toBe(kind);
  });

  it('says why a file is skipped', () => {
    expect(classifyFile('notes.txt', 10)).toMatchObject({ reason: /\.txt is not an image type/ });
    expect(classifyFile('logo.svg', 10)).toMatchObject({ reason: /export them as PNG/ });
    expect(classifyFile('huge.png', 70 * 1024 * 1024)).toMatchObject({
      reason: /70\.0 MB; the limit is 64\.0 MB/,
    });
  });
});

describe('fitImage', () => {
  it('takes the centre square of a wide or tall image', () => {
    expect(centreSquare(300, 200)).toEqual({ x: 50, y: 0, size: 200 });
    expect(centreSquare(200, 301)).toEqual({ x: 0, y: 50, size: 200 });
    // Three pixels in a row, red, green, blue: the centre one is kept.
    const row = img(3, 1, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    expect(Array.from(fitImage(row, 1, 3))).toEqual([0, 255, 0]);
  });

  it('averages areas when shrinking: a half-black, half-white square keeps its halves', () => {
    const side = 56;
    const rgba: number[] = [];
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        rgba.push(...(x < side / 2 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const out = fitImage(img(side, side, rgba), 28, 1);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) expect(out[y * 28 + x]).toBe(x < 14 ? 0 : 255);
    // Down to 1 pixel: the mean of the two halves.
    expect(Array.from(fitImage(img(side, side, rgba), 1, 1))).toEqual([128]);
  });

  it('weighs partly covered pixels when the sizes do not divide', () => {
    // 3 → 2: the middle pixel is split between both outputs.
    const row3 = [0, 90, 180].flatMap((v) => [v, v, v, 255]);
    const sq = img(3, 3, [...row3, ...row3, ...row3]);
    const out = fitImage(sq, 2, 1);
    expect(Array.from(out)).toEqual([30, 150, 30, 150]);
  });

  it('enlarges small images without holes', () => {
    const out = fitImage(img(1, 1, [10, 20, 30, 255]), 32, 3);
    expect(out.length).toBe(32 * 32 * 3);
    for (let p = 0; p < 32 * 32; p++)
      expect(Array.from(out.subarray(p * 3, p * 3 + 3))).toEqual([10, 20, 30]);
  });

  it('puts transparency over white and uses luma weights for grey', () => {
    expect(Array.from(fitImage(img(1, 1, [0, 0, 0, 0]), 1, 1))).toEqual([255]);
    expect(Array.from(fitImage(img(1, 1, [0, 0, 0, 255]), 1, 1))).toEqual([0]);
    expect(Array.from(fitImage(img(1, 1, [255, 0, 0, 255]), 1, 1))).toEqual([76]);
    expect(Array.from(fitImage(img(1, 1, [0, 255, 0, 255]), 1, 1))).toEqual([150]);
    // Half-transparent black over white: mid grey.
    expect(Array.from(fitImage(img(1, 1, [0, 0, 0, 128]), 1, 3))).toEqual([127, 127, 127]);
  });

  it('refuses a buffer shorter than its size says', () => {
    expect(() => fitImage(img(2, 2, [0, 0, 0, 255]), 1, 1)).toThrow(/bad image buffer/);
  });
});

describe('buildImageSet', () => {
  it('makes a set from images and zips, listing every file it could not use', async () => {
    const zipped = zipSync({
      'inner/a.png': solid([255, 255, 255, 255]),
      'inner/b.png': solid([0, 0, 0, 255]),
      'inner/readme.txt': new TextEncoder().encode('hello'),
      '__MACOSX/inner/._a.png': new Uint8Array([1, 2, 3]),
      'nested.zip': zipSync({ 'c.png': solid([1, 2, 3, 255]) }),
    });
    const progress: [number, number][] = [];
    const set = await buildImageSet(
      [
        file('red.png', solid([255, 0, 0, 255])),
        file('broken.png', new Uint8Array([1, 2, 3, 4, 5, 6])),
        file('.DS_Store', new Uint8Array([0])),
        file('set.zip', zipped),
        file('bad.zip', new Uint8Array([80, 75, 3, 4, 9, 9, 9])),
      ],
      'colour32',
      decodeRaw,
      (done, total) => progress.push([done, total]),
    );
    expect(set).toMatchObject({ format: 'colour32', side: 32, channels: 3, count: 3 });
    expect(set.names).toEqual(['red.png', 'set.zip/inner/a.png', 'set.zip/inner/b.png']);
    expect(set.pixels.length).toBe(3 * 32 * 32 * 3);
    expect(Array.from(set.pixels.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(set.pixels[32 * 32 * 3]).toBe(255);
    expect(set.pixels[2 * 32 * 32 * 3]).toBe(0);
    const skipped = Object.fromEntries(set.skipped.map((s) => [s.name, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual([
      'bad.zip',
      'broken.png',
      'set.zip/inner/readme.txt',
      'set.zip/nested.zip',
    ]);
    expect(skipped['broken.png']).toMatch(/not a readable image: unknown image format/);
    expect(skipped['bad.zip']).toMatch(/not a readable zip archive/);
    expect(skipped['set.zip/nested.zip']).toMatch(/zip inside a zip/);
    expect(skipped['set.zip/inner/readme.txt']).toMatch(/\.txt is not an image type/);
    // Progress counts the zip's entries once it is opened, and ends with all files done.
    expect(progress.at(-1)).toEqual([9, 9]);
  });

  it('opens zips warily: nested zips in any case, odd names listed, bombs stopped, budget kept', async () => {
    const inner = zipSync({ 'c.png': solid([1, 2, 3, 255]) });
    // A zip whose entry says 2 KB but inflates to 1 MB.
    const big = zipSync({ 'bomb.png': new Uint8Array(1 << 20) });
    const bomb = patchEntry(big, 'bomb.png', { size: 2048 });
    // Two entries with one name (fflate never writes that; a forger can).
    const twice = renameEntry(
      zipSync({ 'a.png': solid([0, 0, 0, 255]), 'b.png': solid([9, 9, 9, 255]) }),
      'b.png',
      'a.png',
    );
    // Entries that say they unpack to 60 MB each: past the zip's budget after 17.
    const liars = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `big${String(i).padStart(2, '0')}.png`,
        solid([i, 0, 0, 255]),
      ]),
    );
    let budget: Uint8Array = zipSync(liars);
    for (const name of Object.keys(liars)) budget = patchEntry(budget, name, { size: 60 << 20 });
    const set = await buildImageSet(
      [
        // A zip in a zip, named in capitals; an entry named __proto__ (no object literal can hold it).
        file(
          'OUTER.ZIP',
          renameEntry(
            zipSync({
              'Inner.Zip': inner,
              protoname: solid([5, 5, 5, 255]),
              'ok.png': solid([7, 7, 7, 255]),
            }),
            'protoname',
            '__proto__',
          ),
        ),
        file('bomb.zip', bomb),
        file('twice.zip', twice),
        file('budget.zip', budget),
      ],
      'colour32',
      decodeRaw,
    );
    expect(set.names).toEqual(['OUTER.ZIP/ok.png']);
    const skipped = Object.fromEntries(set.skipped.map((s) => [s.name, s.reason]));
    expect(skipped['OUTER.ZIP/Inner.Zip']).toMatch(/zip inside a zip/);
    expect(skipped['OUTER.ZIP/__proto__']).toMatch(/no file extension/);
    expect(skipped['bomb.zip/bomb.png']).toMatch(
      /inflates to more than the 2048 bytes it declares/,
    );
    expect(skipped['twice.zip']).toMatch(/not a readable zip archive: the zip holds a.png twice/);
    const over = set.skipped.filter((s) => /over 1024.0 MB unpacked/.test(s.reason));
    expect(over.map((s) => s.name)).toEqual([
      'budget.zip/big17.png',
      'budget.zip/big18.png',
      'budget.zip/big19.png',
    ]);
    // The first 17 were read and found to be shorter than they said: none was taken.
    expect(
      set.skipped.filter((s) => /inflates to \d+ bytes but declares/.test(s.reason)),
    ).toHaveLength(17);
  });

  it('greyscale sets hold one byte per pixel', async () => {
    const set = await buildImageSet([file('g.png', solid([0, 255, 0, 255]))], 'grey28', decodeRaw);
    expect(set).toMatchObject({ side: 28, channels: 1, count: 1 });
    expect(set.pixels.length).toBe(784);
    expect(new Set(set.pixels)).toEqual(new Set([150]));
  });

  it('explains a set that cannot train', async () => {
    const none = await buildImageSet([file('a.txt', new Uint8Array([1]))], 'grey28', decodeRaw);
    expect(imageSetProblem(none)).toMatch(/None of the 1 files could be used/);
    expect(imageSetProblem({ count: 0, skipped: [] })).toMatch(/No images found/);
    expect(imageSetProblem({ count: 3, skipped: [] })).toMatch(
      /Only 3 usable images: .* at least 8/,
    );
  });
});
