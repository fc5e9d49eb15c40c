import { escapeMarkdown, safeImageSource } from './escape.js';
import { CURVES_FIGURE_ID, formatNumber } from './html.js';
import type { ReportFigure, ReportInput, ReportMetric, ReportSection, ReportTable } from './types.js';

/**
 * A Markdown version of the same report: header, metrics, figures (as links to their standalone
 * `.svg` files in `figures/`), tables, gallery pictures (as links to their files), extra sections,
 * failures and configuration.
 */
export function renderMarkdownReport(input: ReportInput): string {
  const lines: string[] = [
    `# ${escapeMarkdown(input.title)}`,
    '',
    `Generated ${escapeMarkdown(input.generated)}`,
    '',
  ];
  for (const h of input.header ?? [])
    lines.push(`- **${escapeMarkdown(h.label)}**: ${escapeMarkdown(h.value)}`);
  if (input.header && input.header.length > 0) lines.push('');
  if (input.metrics.length > 0) lines.push('## Metrics', '', ...metricsTable(input.metrics));
  if (input.curves) {
    lines.push('', `## ${escapeMarkdown(input.curves.title)}`, '');
    lines.push(`![${escapeMarkdown(input.curves.title)}](figures/${CURVES_FIGURE_ID}.svg)`, '');
    for (const s of input.curves.series) {
      if (s.best === undefined) continue;
      lines.push(
        `- ${escapeMarkdown(s.label)}: best ${formatNumber(s.y[s.best]!)} at ${escapeMarkdown(input.curves.xLabel)} = ${Number(input.curves.x[s.best]!.toFixed(6))}`,
      );
    }
  }
  if (input.figures && input.figures.length > 0)
    lines.push('', '## Figures', '', ...figureLines(input.figures));
  for (const t of [...(input.tables ?? []), ...(input.perClass ? [input.perClass] : [])]) {
    lines.push('', `## ${escapeMarkdown(t.title)}`, '', ...table(t));
  }
  if (input.galleryKey && input.galleryKey.length > 0) {
    lines.push('', '## How to read the pictures', '', ...figureLines(input.galleryKey));
  }
  for (const gallery of input.galleries ?? []) {
    lines.push('', `## ${escapeMarkdown(gallery.title)}`, '');
    if (gallery.note) lines.push(escapeMarkdown(gallery.note), '');
    if (gallery.items.length === 0) lines.push('(no image of this kind)');
    for (const item of gallery.items) {
      const file = item.file === undefined ? null : safeImageSource(item.file);
      const picture = file === null ? '' : `![${escapeMarkdown(item.alt ?? '')}](${file}) `;
      lines.push(`- ${picture}${escapeMarkdown(item.caption)}`);
    }
  }
  for (const section of input.sections ?? [])
    lines.push(
      '',
      ...('markdown' in section
        ? [`## ${escapeMarkdown(section.title)}`, '', section.markdown]
        : sectionLines(section)),
    );
  if (input.failures && input.failures.length > 0) {
    lines.push('', `## Failed images (${input.failures.length})`, '');
    lines.push(
      ...table({ title: '', header: ['image', 'error'], rows: input.failures.map((f) => [f.id, f.error]) }),
    );
  }
  if (Object.keys(input.config).length > 0)
    lines.push(
      '',
      '## Configuration',
      '',
      ...table({
        title: '',
        header: ['setting', 'value'],
        rows: Object.entries(input.config).map(([k, v]) => [k, String(v)]),
      }),
    );
  return `${lines.join('\n')}\n`;
}

function figureLines(figures: readonly ReportFigure[]): string[] {
  return figures.map(
    (f) =>
      `- ![${escapeMarkdown(f.title)}](figures/${f.id}.svg) ${escapeMarkdown(f.title)}${f.caption ? `: ${escapeMarkdown(f.caption)}` : ''}`,
  );
}

function sectionLines(section: ReportSection): string[] {
  const lines = [`## ${escapeMarkdown(section.title)}`, ''];
  if (section.intro) lines.push(escapeMarkdown(section.intro), '');
  if (section.metrics && section.metrics.length > 0) lines.push(...metricsTable(section.metrics), '');
  if (section.figures && section.figures.length > 0) lines.push(...figureLines(section.figures), '');
  for (const t of section.tables ?? []) lines.push(`### ${escapeMarkdown(t.title)}`, '', ...table(t), '');
  return lines;
}

function metricsTable(metrics: readonly ReportMetric[]): string[] {
  return table({
    title: '',
    header: ['metric', 'value', 'note'],
    rows: metrics.map((m) => [
      m.name,
      `${typeof m.value === 'number' ? formatNumber(m.value) : m.value}${m.unit ?? ''}`,
      m.note ?? '',
    ]),
  });
}

function table(t: ReportTable): string[] {
  const cell = (c: string | number) => (typeof c === 'number' ? formatNumber(c) : escapeMarkdown(c));
  return [
    ...(t.note ? [escapeMarkdown(t.note), ''] : []),
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}
