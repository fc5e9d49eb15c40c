import { escapeHtml } from './escape.js';

/** A colour as three 0..255 channels. */
export type Rgb = readonly [number, number, number];

/** The series colours of every chart, in order (matplotlib's tab10, so printed figures look familiar). */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#17becf',
  '#7f7f7f',
];

export function hexColour([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The opening of a standalone-valid SVG figure: the namespace (so the same text is a valid `.svg`
 * file), a class for the report's style and tests, a title for screen readers, a white ground.
 */
export function svgOpen(kind: string, title: string, width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${kind}" role="img" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" font-family="sans-serif">` +
    `<title>${escapeHtml(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>`
  );
}

/** The smallest of 1, 2, 2.5, 5, 10 times a power of ten that is at least `v`. */
export function niceCeiling(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= v) return m * magnitude;
  return 10 * magnitude;
}

/** An axis tick label: integers as they are, small fractions with two decimals. */
export function tickLabel(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1);
}

export interface PlotFrame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Plot area, horizontal grid lines with y tick labels (0..yMax in five steps), and the axis titles. */
export function frameWithYAxis(
  frame: PlotFrame,
  yMax: number,
  xLabel: string,
  yLabel: string,
  totalHeight: number,
): string[] {
  const { left, top, width, height } = frame;
  const parts = [
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="#fff" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const value = (yMax * i) / 5;
    const y = (top + height - (value / yMax) * height).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${left + width}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tickLabel(value)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${totalHeight - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`,
    `<text transform="translate(14 ${top + height / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(yLabel)}</text>`,
  );
  return parts;
}
