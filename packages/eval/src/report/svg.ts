import { escapeHtml } from './escape.js';
import { frameWithYAxis, niceCeiling, PALETTE, svgOpen, tickLabel } from './svg-kit.js';
import type { ReportCurves } from './types.js';

const DASHES = ['', '6 4', '2 3', '10 3 2 3'];

/**
 * A line chart as inline SVG: no script, no external resource, so the report stays one file and
 * the same text is a valid standalone `.svg`. Long series are thinned to at most ~400 points per
 * line; marked best points get a dot. A series may pick its colour and dash (overlaid runs).
 */
export function curvesSvg(curves: ReportCurves, width = 640, height = 360): string {
  const legendRows = curves.series.length;
  // Below the plot: one row per series under the axis title, so no line of the legend crosses a curve.
  const below = curves.legend === 'below' ? 8 + legendRows * 16 : 0;
  const frame = { left: 56, top: 28, width: width - 56 - 16, height: height - 28 - 44 };
  const xs = Array.from(curves.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let yMax = 0;
  for (const s of curves.series) for (let i = 0; i < s.y.length; i++) yMax = Math.max(yMax, s.y[i]!);
  yMax = curves.yMax ?? (yMax <= 0 ? 1 : niceCeiling(yMax));
  const px = (x: number) => frame.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * frame.width : 0);
  const py = (y: number) => frame.top + frame.height - (y / yMax) * frame.height;
  const step = Math.max(1, Math.ceil(xs.length / 400));
  const parts = [
    svgOpen('curves', curves.title, width, height + below),
    ...frameWithYAxis(frame, yMax, curves.xLabel, curves.yLabel, height),
  ];
  for (let i = 0; i <= 5; i++) {
    const x = xMin + ((xMax - xMin) * i) / 5;
    parts.push(
      `<text x="${px(x).toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11">${tickLabel(x)}</text>`,
    );
  }
  for (const marker of curves.markers ?? []) {
    const x = px(marker.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#555" stroke-dasharray="3 3"/>`,
      `<text x="${Number(x) + 4}" y="${frame.top + frame.height - 6}" font-size="11" fill="#555">${escapeHtml(marker.label)}</text>`,
    );
  }
  const legendX =
    curves.legend === 'right' ? frame.left + frame.width - 190 : frame.left + (below > 0 ? 0 : 10);
  const legendTop = below > 0 ? height + 2 : frame.top + 8;
  curves.series.forEach((series, index) => {
    const color = series.color ?? PALETTE[index % PALETTE.length]!;
    const dash = series.dash === undefined ? '' : DASHES[series.dash % DASHES.length]!;
    const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    const points: string[] = [];
    for (let i = 0; i < xs.length; i += step)
      points.push(`${px(xs[i]!).toFixed(1)},${py(series.y[i]!).toFixed(1)}`);
    const last = xs.length - 1;
    if (last % step !== 0) points.push(`${px(xs[last]!).toFixed(1)},${py(series.y[last]!).toFixed(1)}`);
    parts.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="2"${dashAttribute} points="${points.join(' ')}"/>`,
    );
    if (series.best !== undefined && series.best >= 0 && series.best < xs.length) {
      parts.push(
        `<circle cx="${px(xs[series.best]!).toFixed(1)}" cy="${py(series.y[series.best]!).toFixed(1)}" r="4" fill="${color}"/>`,
      );
    }
    const y = legendTop + index * 16;
    parts.push(
      `<line class="legend" x1="${legendX}" x2="${legendX + 18}" y1="${y + 2}" y2="${y + 2}" stroke="${color}" stroke-width="3"${dashAttribute}/>`,
      `<text x="${legendX + 24}" y="${y + 6}" font-size="11">${escapeHtml(series.label)}</text>`,
    );
  });
  if (legendRows === 0) parts.push('<text x="50%" y="50%" text-anchor="middle">no data</text>');
  parts.push('</svg>');
  return parts.join('');
}
