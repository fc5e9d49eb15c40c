import { describe, expect, it } from 'vitest';
import { describePredictStdout, predictStdout, ResultTable } from '../../src/pipeline/result-table.js';

describe('where predict prints its results', () => {
  it('JSON lines when piped, a table on a terminal, nothing extra with --out; --json always wins', () => {
    expect(predictStdout({}, false)).toBe('jsonl');
    expect(predictStdout({}, true)).toBe('table');
    expect(predictStdout({ out: 'runs/p' }, true)).toBe('none');
    expect(predictStdout({ out: 'runs/p' }, false)).toBe('none');
    expect(predictStdout({ json: true }, true)).toBe('jsonl');
    expect(predictStdout({ json: true, out: 'runs/p' }, false)).toBe('jsonl');
  });

  it('says where the results go', () => {
    expect(describePredictStdout('jsonl', undefined)).toBe('results: JSON lines on stdout');
    expect(describePredictStdout('jsonl', 'runs/p/results.jsonl')).toContain('runs/p/results.jsonl');
    expect(describePredictStdout('table', undefined)).toMatch(/table on stdout .*--out <dir>/);
    expect(describePredictStdout('none', 'runs/p/results.jsonl')).toBe('results: runs/p/results.jsonl');
  });
});

describe('ResultTable', () => {
  const ok = {
    id: 'dogs/chow.jpg',
    status: 'ok',
    top: [
      { class: 260, name: 'chow', score: 13.905 },
      { class: 261, name: 'keeshond', score: 9.1 },
    ],
    targets: [
      {
        boxes: [
          [10.4, 20.6, 100, 120.2],
          [1, 2, 3, 4],
        ],
      },
    ],
  };

  it('shows the top class, its score and the first box with a count of the others', () => {
    const table = new ResultTable(['dogs/chow.jpg', 'x.jpg']);
    const header = table.header();
    const row = table.row(ok);
    expect(header.startsWith('image        ')).toBe(true);
    expect(row).toMatch(/^dogs\/chow\.jpg +chow +13\.905 +10,21,100,120 \(\+1\)\n$/);
    // Columns line up with the header.
    expect(row.indexOf('chow ')).toBe(header.indexOf('class'));
  });

  it('prints the class index without a name, a dash without boxes, and errors', () => {
    const table = new ResultTable(['a.jpg']);
    const noName = table.row({
      id: 'a.jpg',
      status: 'ok',
      top: [{ class: 7, score: 0.5 }],
      targets: [{ boxes: [] }],
    });
    expect(noName).toMatch(/^a\.jpg +class 7 +0\.500 +-\n$/);
    expect(table.row({ id: 'a.jpg', status: 'error', error: 'not an image' })).toMatch(
      /^a\.jpg +error +not an image\n$/,
    );
  });

  it('shortens a long id from the left and a long class name from the right', () => {
    const long = `${'deep/'.repeat(20)}photo.jpg`;
    const table = new ResultTable([long]);
    const row = table.row({
      ...ok,
      id: long,
      top: [{ class: 1, name: 'a very long class name that goes on and on', score: 1 }],
    });
    expect(row.startsWith('…')).toBe(true);
    expect(row).toContain('photo.jpg  ');
    expect(row).toContain('a very long class name that…');
  });
});
