import { escapeHtml, safeImageSource } from './escape.js';
import { curvesSvg } from './svg.js';
import type {
  ReportCurves,
  ReportFigure,
  ReportGallery,
  ReportInput,
  ReportMetric,
  ReportSection,
  ReportTable,
} from './types.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem;overflow-wrap:anywhere}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
dl.header{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0 1rem}
dl.header dt{color:#555}dl.header dd{margin:0;word-break:break-all}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(500px,100%),1fr));gap:16px}
figure.chart svg{width:100%;height:auto;display:block}figure.key{display:inline-block;max-width:min(440px,100%);box-sizing:border-box;vertical-align:top}figure.key svg{max-width:100%;height:auto}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(220px,100%),1fr));gap:12px}
figure{margin:0;border:1px solid #ddd;padding:6px;background:#fafafa}figure img{width:100%;height:auto;display:block}
figcaption{font-size:12px;overflow-wrap:anywhere;margin-top:4px}p{overflow-wrap:anywhere}.muted{color:#777}p.note{color:#555;margin:.25rem 0}
`;

/**
 * A self-contained HTML report: one file with inline CSS and SVG and, for the gallery, data:
 * URIs, so it can be attached to a pull request or opened offline. It runs no script; every
 * string from data is escaped and image sources are restricted to data: URIs or relative paths.
 */
export function renderHtmlReport(input: ReportInput): string {
  const body: string[] = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="muted">Generated ${escapeHtml(input.generated)}</p>`,
  ];
  if (input.header && input.header.length > 0) {
    const items = input.header
      .map((h) => `<dt>${escapeHtml(h.label)}</dt><dd>${escapeHtml(h.value)}</dd>`)
      .join('');
    body.push(`<dl class="header">${items}</dl>`);
  }
  if (input.metrics.length > 0) body.push('<h2>Metrics</h2>', metricsTable(input.metrics));
  const figures: ReportFigure[] = [
    ...(input.curves ? [curvesFigure(input.curves)] : []),
    ...(input.figures ?? []),
  ];
  if (figures.length > 0) body.push('<h2>Figures</h2>', figureGrid(figures));
  for (const t of input.tables ?? []) body.push(tableSection(t, 'h2'));
  if (input.perClass) body.push(tableSection(input.perClass, 'h2'));
  if (input.galleryKey && input.galleryKey.length > 0) {
    body.push(
      '<h2>How to read the pictures</h2>',
      input.galleryKey
        .map((f) => `<figure class="chart key" id="fig-${escapeHtml(f.id)}">${f.svg}</figure>`)
        .join(''),
    );
  }
  for (const gallery of input.galleries ?? []) body.push(galleryHtml(gallery));
  for (const section of input.sections ?? [])
    body.push(
      'html' in section ? `<h2>${escapeHtml(section.title)}</h2>${section.html}` : sectionHtml(section),
    );
  if (input.failures && input.failures.length > 0) {
    body.push(
      table({
        title: `Failed images (${input.failures.length})`,
        header: ['image', 'error'],
        rows: input.failures.map((f) => [f.id, f.error]),
      }),
    );
  }
  if (Object.keys(input.config).length > 0)
    body.push(
      '<h2>Configuration</h2>',
      table({
        title: '',
        header: ['setting', 'value'],
        rows: Object.entries(input.config).map(([k, v]) => [k, String(v)]),
      }),
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

/** The curves as a figure; its standalone file is `figures/boxacc-vs-threshold.svg` (the CLI writes it). */
export function curvesFigure(curves: ReportCurves): ReportFigure {
  return { id: CURVES_FIGURE_ID, title: curves.title, svg: curvesSvg(curves) };
}

export const CURVES_FIGURE_ID = 'boxacc-vs-threshold';

function figureGrid(figures: readonly ReportFigure[]): string {
  const items = figures.map(
    (f) =>
      `<figure class="chart" id="fig-${escapeHtml(f.id)}">${f.svg}<figcaption><b>${escapeHtml(f.title)}</b>` +
      `${f.caption ? `. ${escapeHtml(f.caption)}` : ''}</figcaption></figure>`,
  );
  return `<div class="figures">${items.join('')}</div>`;
}

function galleryHtml(gallery: ReportGallery): string {
  const items = gallery.items
    .map((item) => {
      const src = safeImageSource(item.src);
      const image =
        src === null
          ? '<p class="muted">(image not embeddable)</p>'
          : `<img src="${escapeHtml(src)}" alt="${escapeHtml(item.alt ?? item.caption)}">`;
      return `<figure>${image}<figcaption>${escapeHtml(item.caption)}</figcaption></figure>`;
    })
    .join('');
  const note = gallery.note ? `<p class="note">${escapeHtml(gallery.note)}</p>` : '';
  const empty = gallery.items.length === 0 ? '<p class="muted">(no image of this kind)</p>' : '';
  return `<h2>${escapeHtml(gallery.title)}</h2>${note}${empty}<div class="gallery">${items}</div>`;
}

function sectionHtml(section: ReportSection): string {
  const parts = [`<section id="section-${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>`];
  if (section.intro) parts.push(`<p class="note">${escapeHtml(section.intro)}</p>`);
  if (section.metrics && section.metrics.length > 0) parts.push(metricsTable(section.metrics));
  if (section.figures && section.figures.length > 0) parts.push(figureGrid(section.figures));
  for (const t of section.tables ?? []) parts.push(tableSection(t, 'h3'));
  parts.push('</section>');
  return parts.join('');
}

function metricsTable(metrics: readonly ReportMetric[]): string {
  const rows = metrics
    .map((m) => {
      const value = typeof m.value === 'number' ? formatNumber(m.value) : escapeHtml(m.value);
      return `<tr><td>${escapeHtml(m.name)}</td><td class="num">${value}${escapeHtml(m.unit ?? '')}</td><td class="muted">${escapeHtml(m.note ?? '')}</td></tr>`;
    })
    .join('');
  return `<table class="metrics"><thead><tr><th>metric</th><th>value</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function tableSection(t: ReportTable, heading: 'h2' | 'h3'): string {
  return `<${heading}>${escapeHtml(t.title)}</${heading}>${table({ ...t, title: '' })}`;
}

function table(t: ReportTable): string {
  const title = t.title ? `<h2>${escapeHtml(t.title)}</h2>` : '';
  const note = t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : '';
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="num">${formatNumber(c)}</td>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `${title}${note}<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
