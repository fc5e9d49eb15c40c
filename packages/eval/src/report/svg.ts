import { escapeHtml } from './escape.js';
import type { ReportCurves } from './types.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/**
 * A line chart as inline SVG: no script, no external resource, so the report stays one file.
 * Long series are thinned to at most ~400 points per line; marked best points get a dot.
 */
export function curvesSvg(curves: ReportCurves, width = 640, height = 360): string {
  const margin = { left: 56, right: 16, top: 28, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = Array.from(curves.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let yMax = 0;
  for (const s of curves.series) for (let i = 0; i < s.y.length; i++) yMax = Math.max(yMax, s.y[i]!);
  yMax = yMax <= 0 ? 1 : niceCeiling(yMax);
  const px = (x: number) => margin.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * plotW : 0);
  const py = (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const step = Math.max(1, Math.ceil(xs.length / 400));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="curves" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeHtml(curves.title)}</title>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="#fff" stroke="#999"/>`,
  );
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" font-size="11">${format(y)}</text>`,
    );
    const x = xMin + ((xMax - xMin) * i) / 5;
    parts.push(
      `<text x="${px(x).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle" font-size="11">${format(x)}</text>`,
    );
  }
  curves.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const points: string[] = [];
    for (let i = 0; i < xs.length; i += step)
      points.push(`${px(xs[i]!).toFixed(1)},${py(series.y[i]!).toFixed(1)}`);
    const last = xs.length - 1;
    if (last % step !== 0) points.push(`${px(xs[last]!).toFixed(1)},${py(series.y[last]!).toFixed(1)}`);
    parts.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`,
    );
    if (series.best !== undefined && series.best >= 0 && series.best < xs.length) {
      parts.push(
        `<circle cx="${px(xs[series.best]!).toFixed(1)}" cy="${py(series.y[series.best]!).toFixed(1)}" r="4" fill="${color}"/>`,
      );
    }
    parts.push(
      `<rect x="${margin.left + 10}" y="${margin.top + 8 + index * 16}" width="12" height="3" fill="${color}"/>`,
      `<text x="${margin.left + 28}" y="${margin.top + 13 + index * 16}" font-size="11">${escapeHtml(series.label)}</text>`,
    );
  });
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(curves.xLabel)}</text>`,
    `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(curves.yLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

function niceCeiling(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= v) return m * magnitude;
  return 10 * magnitude;
}

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1);
}
