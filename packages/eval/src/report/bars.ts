import { escapeHtml } from './escape.js';
import { frameWithYAxis, PALETTE, svgOpen } from './svg-kit.js';

/** One bar: a rate in percent with an optional confidence interval and a note (e.g. its count). */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
  readonly note?: string;
}

export interface BarChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  /** Top of the value axis (default 100: rates in percent). */
  readonly yMax?: number;
}

/** Vertical bars with their interval as a whisker and their note under the label. */
export function barChartSvg(chart: BarChart, width = 640, height = 320): string {
  const frame = { left: 56, top: 20, width: width - 56 - 16, height: height - 20 - 64 };
  const yMax = chart.yMax ?? 100;
  const py = (y: number) => frame.top + frame.height - (Math.min(y, yMax) / yMax) * frame.height;
  const slot = frame.width / Math.max(1, chart.bars.length);
  const parts = [
    svgOpen('bars', chart.title, width, height),
    ...frameWithYAxis(frame, yMax, chart.xLabel, chart.yLabel, height),
  ];
  chart.bars.forEach((bar, i) => {
    const cx = frame.left + slot * (i + 0.5);
    const w = Math.min(90, slot * 0.6);
    const y = py(bar.value);
    const hasWhisker = bar.low !== undefined && bar.high !== undefined;
    // The value sits beside the whisker (right of its cap), so the two never overlap.
    const labelX = hasWhisker ? cx + 8 : cx;
    const labelY = hasWhisker ? Math.max(frame.top + 11, y - 4) : y - 4;
    parts.push(
      `<rect class="bar" x="${(cx - w / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${(frame.top + frame.height - y).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text class="value" x="${labelX.toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="${hasWhisker ? 'start' : 'middle'}" font-size="11">${bar.value.toFixed(1)}</text>`,
      `<text x="${cx.toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="12">${escapeHtml(bar.label)}</text>`,
    );
    if (bar.note)
      parts.push(
        `<text x="${cx.toFixed(1)}" y="${frame.top + frame.height + 31}" text-anchor="middle" font-size="11" fill="#555">${escapeHtml(bar.note)}</text>`,
      );
    if (bar.low !== undefined && bar.high !== undefined) parts.push(whisker(cx, py(bar.low), py(bar.high)));
  });
  parts.push('</svg>');
  return parts.join('');
}

function whisker(cx: number, yLow: number, yHigh: number): string {
  const x = cx.toFixed(1);
  return (
    `<line class="whisker" x1="${x}" x2="${x}" y1="${yLow.toFixed(1)}" y2="${yHigh.toFixed(1)}" stroke="#222" stroke-width="1.5"/>` +
    `<line x1="${(cx - 5).toFixed(1)}" x2="${(cx + 5).toFixed(1)}" y1="${yLow.toFixed(1)}" y2="${yLow.toFixed(1)}" stroke="#222"/>` +
    `<line x1="${(cx - 5).toFixed(1)}" x2="${(cx + 5).toFixed(1)}" y1="${yHigh.toFixed(1)}" y2="${yHigh.toFixed(1)}" stroke="#222"/>`
  );
}

export interface RankedBarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface RankedBarChart {
  readonly title: string;
  readonly xLabel: string;
  readonly groups: readonly RankedBarGroup[];
  readonly xMax?: number;
}

/**
 * Horizontal bars in groups (e.g. the best and the worst classes), one row each, labelled on the
 * left, with the interval as a whisker and the note (count) on the right.
 */
export function rankedBarsSvg(chart: RankedBarChart, width = 640): string {
  const row = 18;
  const groupGap = 26;
  const left = 230;
  const right = 90;
  const top = 34;
  const rows = chart.groups.reduce((n, g) => n + g.bars.length, 0);
  const height = top + rows * row + chart.groups.length * groupGap + 40;
  const plotW = width - left - right;
  const xMax = chart.xMax ?? 100;
  const px = (x: number) => left + (Math.min(Math.max(x, 0), xMax) / xMax) * plotW;
  const parts = [svgOpen('ranked-bars', chart.title, width, height), ...groupLegend(chart.groups)];
  let y = top;
  chart.groups.forEach((group, g) => {
    y += groupGap;
    parts.push(
      `<text x="8" y="${y - 8}" font-size="12" font-weight="bold">${escapeHtml(group.label)}</text>`,
    );
    for (const bar of group.bars) {
      parts.push(
        `<text class="label" x="${left - 6}" y="${y + row / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(clipWords(bar.label, 38))}</text>`,
        `<rect class="bar" x="${left}" y="${y + 2}" width="${Math.max(0.5, px(bar.value) - left).toFixed(1)}" height="${row - 4}" fill="${groupColour(g)}"/>`,
      );
      if (bar.low !== undefined && bar.high !== undefined) {
        const mid = (y + row / 2).toFixed(1);
        parts.push(
          `<line x1="${px(bar.low).toFixed(1)}" x2="${px(bar.high).toFixed(1)}" y1="${mid}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
        );
      }
      parts.push(
        `<text x="${left + plotW + 6}" y="${y + row / 2 + 4}" font-size="11">${bar.value.toFixed(0)}%${bar.note ? ` ${escapeHtml(bar.note)}` : ''}</text>`,
      );
      y += row;
    }
  });
  for (let i = 0; i <= 4; i++) {
    const v = (xMax * i) / 4;
    parts.push(
      `<line x1="${px(v).toFixed(1)}" x2="${px(v).toFixed(1)}" y1="${top + 8}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${px(v).toFixed(1)}" y="${y + 14}" text-anchor="middle" font-size="11">${v}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="12">${escapeHtml(chart.xLabel)}</text>`,
    '</svg>',
  );
  return parts.join('');
}

/** The first group's bars are green, the others red (best and worst). */
function groupColour(group: number): string {
  return PALETTE[group === 0 ? 2 : 1]!;
}

/** One swatch per group in its bar colour, on the top line: what green and red mean. */
function groupLegend(groups: readonly RankedBarGroup[]): string[] {
  let x = 8;
  return groups.flatMap((group, g) => {
    const at = x;
    x += 24 + 7 * group.label.length + 16;
    return [
      `<rect class="legend-swatch" x="${at}" y="6" width="14" height="12" fill="${groupColour(g)}"/>`,
      `<text class="legend" x="${at + 20}" y="16" font-size="11">${escapeHtml(group.label)}</text>`,
    ];
  });
}

/**
 * At most `length` characters, cut between words (a comma or a space) and marked with an
 * ellipsis; a trailing `(index)` is kept whole, so a class stays identifiable.
 */
function clipWords(text: string, length: number): string {
  if (text.length <= length) return text;
  const suffix = / \([^()]*\)$/.exec(text)?.[0] ?? '';
  const head = text.slice(0, text.length - suffix.length);
  const room = Math.max(1, length - suffix.length - 1);
  const cut = head.slice(0, room + 1);
  const boundary = Math.max(cut.lastIndexOf(' '), cut.lastIndexOf(','));
  const words = (boundary > 0 ? head.slice(0, boundary) : head.slice(0, room)).replace(/[,\s]+$/, '');
  return `${words}…${suffix}`;
}
