import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { csvCell, csvText, toLf } from '../../../src/core/data/csv';

describe('CSV the app writes', () => {
  it('defuses text a spreadsheet would run as a formula', () => {
    for (const text of ['=cmd|/C calc!A0', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(csvCell(text).replace(/^"|"$/g, '').startsWith(`'${text[0]}`)).toBe(true);
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('trend followers')).toBe('trend followers');
  });

  it('quotes what needs quoting and writes numbers as numbers, negative ones included', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-0.25)).toBe('-0.25');
    expect(csvCell(NaN)).toBe('');
    expect(csvCell(null)).toBe('');
  });

  it('reads back as the cells it was given (text that looked like a formula keeps its apostrophe)', () => {
    const rows = [
      ['segment', 'share'],
      ['=cmd|x', 0.5],
      ['a "quoted", multi\nline name', -1],
    ];
    const back = Papa.parse<string[]>(csvText(rows).trimEnd(), { newline: '\n' }).data;
    expect(back).toEqual([
      ['segment', 'share'],
      ["'=cmd|x", '0.5'],
      ['a "quoted", multi\nline name', '-1'],
    ]);
  });

  it('makes every line break a LF', () => {
    expect(toLf('a\r\nb\rc\nd\r')).toBe('a\nb\nc\nd\n');
  });
});
