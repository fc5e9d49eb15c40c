import { describe, expect, it } from 'vitest';
import { histogram, histogramSvg } from '../../src/report/histogram.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { renderMarkdownReport } from '../../src/report/markdown.js';
import type { ReportInput } from '../../src/report/types.js';

const hostile = '<img src=x onerror=alert(1)>';
const figure = {
  id: 'iou-histogram',
  title: 'Best IoU',
  caption: `of ${hostile}`,
  svg: histogramSvg({ title: 't', xLabel: 'x', yLabel: 'y', bins: histogram([0.5], 4) }),
};
const input: ReportInput = {
  title: 'run',
  generated: '2026-11-26T00:00:00Z',
  header: [{ label: 'dataset', value: hostile }],
  config: {},
  metrics: [{ name: 'MaxBoxAccV2', value: 50, unit: '%' }],
  figures: [figure],
  tables: [{ title: 'Best classes', note: `chosen by ${hostile}`, header: ['class'], rows: [[hostile]] }],
  galleries: [{ title: 'Too small', note: 'threshold 0.2', items: [] }],
  sections: [
    {
      id: 'faithfulness',
      title: 'Faithfulness',
      intro: `deletion ${hostile}`,
      metrics: [{ name: 'Deletion AUC', value: 0.123 }],
      figures: [{ ...figure, id: 'deletion-curve' }],
      tables: [{ title: 'Per method', header: ['method', 'AUC'], rows: [['cam', 0.12]] }],
    },
  ],
};

describe('report layout: header, figures, tables, galleries, extra sections', () => {
  it('HTML: in order, escaped, figures linked by id, an empty gallery says so, no empty configuration', () => {
    const html = renderHtmlReport(input);
    expect(html).not.toContain('<img src=x');
    const order = [
      '<dl class="header">',
      '<h2>Metrics</h2>',
      'id="fig-iou-histogram"',
      '<h2>Best classes</h2>',
      '<h2>Too small</h2>',
      'id="section-faithfulness"',
      'id="fig-deletion-curve"',
      '<h3>Per method</h3>',
    ];
    const at = order.map((s) => html.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(html).toContain('(no image of this kind)');
    expect(html).toContain('<p class="note">threshold 0.2</p>');
    expect(html).not.toContain('<h2>Configuration</h2>');
  });

  it('Markdown: the same sections, figures as links to figures/<id>.svg', () => {
    const md = renderMarkdownReport(input);
    expect(md).toContain('- **dataset**: \\<img src=x onerror=alert\\(1\\)\\>');
    expect(md).toContain('![Best IoU](figures/iou-histogram.svg)');
    expect(md).toContain('## Faithfulness');
    expect(md).toContain('![Best IoU](figures/deletion-curve.svg)');
    expect(md).toContain('### Per method');
    expect(md).toContain('| Deletion AUC | 0.12 |  |');
    expect(md).not.toContain('## Configuration');
  });
});
