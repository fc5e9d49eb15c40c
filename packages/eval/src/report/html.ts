import { escapeHtml, safeImageSource } from './escape.js';
import { curvesSvg } from './svg.js';
import type { ReportInput, ReportMetric, ReportTable } from './types.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
figure{margin:0;border:1px solid #ddd;padding:6px;background:#fafafa}figure img{width:100%;height:auto;display:block}
figcaption{font-size:12px;word-break:break-all;margin-top:4px}.muted{color:#777}
`;

/**
 * A self-contained HTML report: one file with inline CSS and SVG and, for the gallery, data:
 * URIs, so it can be attached to a pull request or opened offline. It runs no script; every
 * string from data is escaped and image sources are restricted to data: URIs or relative paths.
 */
export function renderHtmlReport(input: ReportInput): string {
  const body: string[] = [];
  body.push(
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="muted">Generated ${escapeHtml(input.generated)}</p>`,
  );
  body.push('<h2>Metrics</h2>', metricsTable(input.metrics));
  if (input.curves) {
    body.push(
      `<h2>${escapeHtml(input.curves.title)}</h2>`,
      `<figure class="chart">${curvesSvg(input.curves)}</figure>`,
    );
  }
  for (const section of input.sections ?? [])
    body.push(`<h2>${escapeHtml(section.title)}</h2>`, section.html);
  for (const gallery of input.galleries ?? []) {
    const items = gallery.items
      .map((item) => {
        const src = safeImageSource(item.src);
        const image =
          src === null
            ? '<p class="muted">(image not embeddable)</p>'
            : `<img src="${escapeHtml(src)}" alt="${escapeHtml(item.alt ?? item.caption)}" loading="lazy">`;
        return `<figure>${image}<figcaption>${escapeHtml(item.caption)}</figcaption></figure>`;
      })
      .join('');
    body.push(`<h2>${escapeHtml(gallery.title)}</h2>`, `<div class="gallery">${items}</div>`);
  }
  if (input.perClass) body.push(`<h2>${escapeHtml(input.perClass.title)}</h2>`, table(input.perClass));
  if (input.failures && input.failures.length > 0) {
    body.push(
      `<h2>Failed images (${input.failures.length})</h2>`,
      table({ title: '', header: ['image', 'error'], rows: input.failures.map((f) => [f.id, f.error]) }),
    );
  }
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

function metricsTable(metrics: readonly ReportMetric[]): string {
  const rows = metrics
    .map((m) => {
      const value = typeof m.value === 'number' ? formatNumber(m.value) : escapeHtml(m.value);
      return `<tr><td>${escapeHtml(m.name)}</td><td class="num">${value}${escapeHtml(m.unit ?? '')}</td><td class="muted">${escapeHtml(m.note ?? '')}</td></tr>`;
    })
    .join('');
  return `<table class="metrics"><thead><tr><th>metric</th><th>value</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function table(t: ReportTable): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c) => (typeof c === 'number' ? `<td class="num">${formatNumber(c)}</td>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
