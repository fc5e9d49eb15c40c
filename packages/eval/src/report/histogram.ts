import { escapeHtml } from './escape.js';
import { frameWithYAxis, niceCeiling, PALETTE, svgOpen, tickLabel } from './svg-kit.js';

export interface HistogramBin {
  /** Lower edge (inclusive). */
  readonly x0: number;
  /** Upper edge (exclusive, but the last bin includes it). */
  readonly x1: number;
  readonly count: number;
}

/**
 * Counts values into `bins` equal bins over [min, max]; the last bin is closed so that `max`
 * itself (an IoU of exactly 1) is counted. Values outside the range or not finite are refused:
 * a histogram that silently drops data would misstate the distribution.
 */
export function histogram(values: ArrayLike<number>, bins: number, min = 0, max = 1): HistogramBin[] {
  if (!(bins >= 1 && Number.isInteger(bins)))
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const counts = new Float64Array(bins);
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= min && v <= max)) throw new RangeError(`value ${v} at ${i} is outside [${min}, ${max}]`);
    counts[Math.min(bins - 1, Math.floor((v - min) / width))]!++;
  }
  return Array.from(counts, (count, i) => ({ x0: min + i * width, x1: min + (i + 1) * width, count }));
}

export interface HistogramChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bins: readonly HistogramBin[];
  /** A vertical line, e.g. at the IoU that counts as localized. */
  readonly marker?: { readonly x: number; readonly label: string };
}

/** A histogram as standalone-valid SVG: one bar per bin, x ticks at every other bin edge. */
export function histogramSvg(chart: HistogramChart, width = 640, height = 320): string {
  const frame = { left: 56, top: 20, width: width - 56 - 16, height: height - 20 - 44 };
  const { bins } = chart;
  const xMin = bins[0]?.x0 ?? 0;
  const xMax = bins[bins.length - 1]?.x1 ?? 1;
  const peak = Math.max(0, ...bins.map((b) => b.count));
  const yMax = peak <= 0 ? 1 : niceCeiling(peak);
  const px = (x: number) => frame.left + ((x - xMin) / (xMax - xMin || 1)) * frame.width;
  const py = (y: number) => frame.top + frame.height - (y / yMax) * frame.height;
  const parts = [
    svgOpen('histogram', chart.title, width, height),
    ...frameWithYAxis(frame, yMax, chart.xLabel, chart.yLabel, height),
  ];
  bins.forEach((bin, i) => {
    const x = px(bin.x0) + 1;
    const w = Math.max(1, px(bin.x1) - px(bin.x0) - 2);
    const y = py(bin.count);
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${(frame.top + frame.height - y).toFixed(1)}" fill="${PALETTE[0]}"><title>${tickLabel(bin.x0)}–${tickLabel(bin.x1)}: ${bin.count}</title></rect>`,
    );
    if (i % 2 === 0 || i === bins.length - 1) {
      const edge = i === bins.length - 1 ? bin.x1 : bin.x0;
      parts.push(
        `<text x="${px(edge).toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11">${tickLabel(Number(edge.toFixed(4)))}</text>`,
      );
    }
  });
  if (chart.marker) {
    const x = px(chart.marker.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      `<text x="${Number(x) + 4}" y="${frame.top + 14}" font-size="11" fill="#d62728">${escapeHtml(chart.marker.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
