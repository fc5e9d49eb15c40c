import { describe, expect, it } from 'vitest';
import {
  type FaithfulnessSummary,
  faithfulnessCurvesSvg,
  faithfulnessRows,
  faithfulnessSection,
  renderHtmlReport,
  renderMarkdownReport,
} from '../../src/index.js';

const SUMMARY: FaithfulnessSummary = {
  avgdrop: { images: 3, averageDrop: 20.5, increaseInConfidence: 33.3333 },
  deletion: { images: 3, auc: 0.17204, curve: [0.8, 0.3, 0.1] },
  insertion: { images: 3, auc: 0.65643, curve: [0.05, 0.6, 0.8] },
};

describe('faithfulness report section', () => {
  it('has one row per number with the direction that is better', () => {
    expect(faithfulnessRows(SUMMARY)).toEqual([
      ['Average Drop (%)', '20.50', 'lower', 3],
      ['Increase in Confidence (%)', '33.33', 'higher', 3],
      ['Deletion AUC', '0.1720', 'lower', 3],
      ['Insertion AUC', '0.6564', 'higher', 3],
    ]);
  });

  it('draws the mean deletion and insertion curves over the fraction of pixels', () => {
    const svg = faithfulnessCurvesSvg(SUMMARY)!;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('deletion');
    expect(svg).toContain('insertion');
    expect(faithfulnessCurvesSvg({ avgdrop: SUMMARY.avgdrop! })).toBeUndefined();
  });

  it('is placed in both reports through ReportInput.sections', () => {
    const input = {
      title: 'run',
      generated: '2026-11-26T00:00:00Z',
      config: {},
      metrics: [],
      sections: [faithfulnessSection(SUMMARY)],
    };
    const markdown = renderMarkdownReport(input);
    expect(markdown).toContain('## Faithfulness of the predicted class');
    expect(markdown).toContain('| Deletion AUC | 0.1720 | lower | 3 |');
    const html = renderHtmlReport(input);
    expect(html).toContain('<h2>Faithfulness of the predicted class</h2>');
    expect(html).toContain('<td>Insertion AUC</td><td class="num">0.6564</td>');
    expect(html).toContain('<svg');
  });
});
