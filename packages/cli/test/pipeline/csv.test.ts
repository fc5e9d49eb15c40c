import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../src/pipeline/csv.js';
import { buildReports } from '../../src/reporting.js';
import { sampleRunConfig } from '../run-config-sample.js';

/** A minimal CSV reader (RFC 4180 quotes), to read back what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') {
      row.push(cell);
      cell = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else cell += c;
  }
  return rows;
}

describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+2', `"'+1+2"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\tcmd', `"'\\tcmd"`],
    ['\rcmd', `"'\\rcmd"`],
  ])('defuses the text cell %j', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('leaves numbers (negative ones too) and harmless text as they were', () => {
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(0)).toBe('0');
    expect(csvCell('val/a.JPEG')).toBe('val/a.JPEG');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvRow(['x', -0.25, ''])).toBe('x,-0.25,\n');
  });

  it('writes no raw control character: NUL, escape, line breaks, DEL and C1 become escapes', () => {
    expect(csvCell('a\0b')).toBe('a\\u0000b');
    expect(csvCell('\x1b[31mred')).toBe('\\u001b[31mred');
    expect(csvCell('line 1\nline 2,x')).toBe('"line 1\\nline 2,x"');
    expect(csvCell('del\x7f c1\x85')).toBe('del\\u007f c1\\u0085');
    expect(csvRow(['a\0.jpg', '-x\r'])).toBe(`a\\u0000.jpg,"'-x\\r"\n`);
    const raw = [...csvRow(['a\0.jpg', '-x\r'])].map((c) => c.codePointAt(0)!);
    const control = (c: number) => (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f);
    expect(raw.filter(control)).toEqual([]);
  });

  it('results.csv of a run with hostile ids: no cell starts a formula, negative scores stay numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-csv-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(sampleRunConfig()));
    const ok = (id: string, score: number) => ({
      id,
      file: `/data/${id}`,
      status: 'ok',
      top: [{ class: 3, score }],
      predicted: { class: 3, name: '=cmd|"/C calc"!A0', boxes: [[1, 2, 30, 40]] },
    });
    const records = [
      ok('=HYPERLINK("http://evil.example","x").jpg', -1.5),
      ok('+plus.jpg', 2),
      { id: '@at.jpg', file: '/data/@at.jpg', status: 'error', error: '-broken image' },
      ok('plain.jpg', 0.75),
    ];
    writeFileSync(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await buildReports(dir, { galleryCount: 0, writeReports: false });
    const rows = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
    const header = rows[0]!;
    const column = (name: string) => header.indexOf(name);
    expect(rows).toHaveLength(5);
    for (const row of rows.slice(1)) {
      for (const cell of row) expect(cell, row.join(' | ')).not.toMatch(/^[=+@\t\r]|^-[^\d]/);
    }
    expect(rows[1]![column('id')]).toBe(`'=HYPERLINK("http://evil.example","x").jpg`);
    expect(rows[1]![column('pred_name')]).toBe(`'=cmd|"/C calc"!A0`);
    expect(rows[1]![column('pred_score')]).toBe('-1.5');
    expect(rows[3]![column('error')]).toBe(`'-broken image`);
    expect(rows[4]![column('id')]).toBe('plain.jpg');
  });
});
