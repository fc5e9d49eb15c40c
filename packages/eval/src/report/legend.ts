import { escapeHtml } from './escape.js';
import { hexColour, type Rgb, svgOpen } from './svg-kit.js';

export interface ColourBar {
  readonly title: string;
  /** The colormap, low to high (e.g. its 256 entries). */
  readonly colours: readonly Rgb[];
  readonly lowLabel: string;
  readonly highLabel: string;
  /** A mark at a value in [0, 1] (e.g. the CAM threshold that makes the boxes), with its label. */
  readonly marker?: { readonly value: number; readonly label: string };
}

/** A horizontal colour bar: one rectangle per colormap entry, the ends labelled. */
export function colourBarSvg(bar: ColourBar, width = 420, height = bar.marker ? 88 : 74): string {
  const left = 16;
  const barW = width - 2 * left;
  const n = Math.max(1, bar.colours.length);
  const cell = barW / n;
  const parts = [
    svgOpen('colour-bar', bar.title, width, height),
    `<text x="${left}" y="16" font-size="12">${escapeHtml(bar.title)}</text>`,
  ];
  bar.colours.forEach((colour, i) => {
    parts.push(
      `<rect x="${(left + i * cell).toFixed(2)}" y="24" width="${(cell + 0.6).toFixed(2)}" height="22" fill="${hexColour(colour)}"/>`,
    );
  });
  parts.push(
    `<rect x="${left}" y="24" width="${barW}" height="22" fill="none" stroke="#555"/>`,
    `<text x="${left}" y="62" font-size="11">${escapeHtml(bar.lowLabel)}</text>`,
    `<text x="${left + barW}" y="62" text-anchor="end" font-size="11">${escapeHtml(bar.highLabel)}</text>`,
  );
  if (bar.marker !== undefined) {
    const x = (left + Math.min(1, Math.max(0, bar.marker.value)) * barW).toFixed(1);
    const anchor = bar.marker.value < 0.25 ? 'start' : bar.marker.value > 0.75 ? 'end' : 'middle';
    parts.push(
      `<line class="marker" x1="${x}" x2="${x}" y1="20" y2="50" stroke="#000" stroke-width="2"/>`,
      `<text class="marker-label" x="${x}" y="${height - 2}" text-anchor="${anchor}" font-size="11">${escapeHtml(bar.marker.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface LegendItem {
  readonly label: string;
  readonly colour: Rgb;
}

/** A legend of box outlines: a hollow square in each colour, with its meaning. */
export function boxLegendSvg(title: string, items: readonly LegendItem[], width = 420): string {
  const height = 30 + items.length * 22;
  const parts = [
    svgOpen('box-legend', title, width, height),
    `<text x="16" y="16" font-size="12">${escapeHtml(title)}</text>`,
  ];
  items.forEach((item, i) => {
    const y = 26 + i * 22;
    parts.push(
      `<rect x="16" y="${y}" width="26" height="16" fill="#777" stroke="${hexColour(item.colour)}" stroke-width="3"/>`,
      `<text x="52" y="${y + 12}" font-size="12">${escapeHtml(item.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
