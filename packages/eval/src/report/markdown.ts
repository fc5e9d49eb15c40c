import { escapeMarkdown } from './escape.js';
import { formatNumber } from './html.js';
import type { ReportInput, ReportTable } from './types.js';

/** A Markdown summary of the same report: metrics, per-class table, failures and configuration. */
export function renderMarkdownReport(input: ReportInput): string {
  const lines: string[] = [
    `# ${escapeMarkdown(input.title)}`,
    '',
    `Generated ${escapeMarkdown(input.generated)}`,
    '',
    '## Metrics',
    '',
  ];
  lines.push(
    ...table({
      title: '',
      header: ['metric', 'value', 'note'],
      rows: input.metrics.map((m) => [
        m.name,
        `${typeof m.value === 'number' ? formatNumber(m.value) : m.value}${m.unit ?? ''}`,
        m.note ?? '',
      ]),
    }),
  );
  if (input.curves) {
    lines.push('', `## ${escapeMarkdown(input.curves.title)}`, '');
    for (const s of input.curves.series) {
      if (s.best === undefined) continue;
      lines.push(
        `- ${escapeMarkdown(s.label)}: best ${formatNumber(s.y[s.best]!)} at ${escapeMarkdown(input.curves.xLabel)} = ${input.curves.x[s.best]}`,
      );
    }
  }
  for (const section of input.sections ?? []) {
    lines.push('', `## ${escapeMarkdown(section.title)}`, '', section.markdown);
  }
  if (input.perClass)
    lines.push('', `## ${escapeMarkdown(input.perClass.title)}`, '', ...table(input.perClass));
  if (input.failures && input.failures.length > 0) {
    lines.push('', `## Failed images (${input.failures.length})`, '');
    lines.push(
      ...table({ title: '', header: ['image', 'error'], rows: input.failures.map((f) => [f.id, f.error]) }),
    );
  }
  lines.push('', '## Configuration', '');
  lines.push(
    ...table({
      title: '',
      header: ['setting', 'value'],
      rows: Object.entries(input.config).map(([k, v]) => [k, String(v)]),
    }),
  );
  return `${lines.join('\n')}\n`;
}

function table(t: ReportTable): string[] {
  const cell = (c: string | number) => (typeof c === 'number' ? formatNumber(c) : escapeMarkdown(c));
  return [
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}
