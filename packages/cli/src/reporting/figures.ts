/**
 * The report's figures, as plain data for the eval package's chart functions, and their
 * standalone `.svg` files in `figures/` of the run directory (for papers).
 */
import { COLORMAP_NAMES, type ColormapName, colormapLut } from '@cam-localize/core';
import {
  BOX_SIZE_CUTOFFS,
  BOX_SIZES,
  barChartSvg,
  boxLegendSvg,
  colourBarSvg,
  curvesSvg,
  describeBoxSize,
  FAILURE_RULES,
  histogram,
  histogramSvg,
  type ReportCurves,
  type ReportFigure,
  rankedBarsSvg,
  wilsonInterval,
} from '@cam-localize/eval';
import { parseThreshold } from '@cam-localize/localize';
import { PREDICTED_COLOUR, TRUTH_COLOUR } from '../pipeline/artifacts.js';
import { writeInside } from '../pipeline/safe-paths.js';
import { bestAndWorst, type ClassRow, classLabel } from './per-class.js';
import type { RunAnalysis } from './run-analysis.js';

/** BoxAcc over the CAM-threshold grid, one line per IoU level, best thresholds marked. */
export function boxAccCurves(analysis: RunAnalysis): ReportCurves | undefined {
  const { boxes, thresholds } = analysis;
  if (!boxes) return undefined;
  return {
    title: 'BoxAcc vs CAM threshold',
    xLabel: 'CAM threshold',
    yLabel: 'BoxAcc (%)',
    x: thresholds,
    series: boxes.levels.map((l) => ({
      label: `IoU ≥ ${l.iouThreshold}%`,
      y: l.curve,
      best: l.bestThresholdIndex,
    })),
  };
}

/** Share of images (percent) whose IoU reaches each level 0, 0.01, ..., 1. */
export function accuracyByIoULevel(ious: Float64Array): { levels: number[]; accuracy: Float64Array } {
  const sorted = Float64Array.from(ious).sort();
  const levels = Array.from({ length: 101 }, (_, i) => i / 100);
  const accuracy = new Float64Array(levels.length);
  let below = 0;
  levels.forEach((level, i) => {
    while (below < sorted.length && sorted[below]! < level - 1e-12) below++;
    accuracy[i] = sorted.length === 0 ? 0 : (100 * (sorted.length - below)) / sorted.length;
  });
  return { levels, accuracy };
}

export function runFigures(
  analysis: RunAnalysis,
  classes: readonly ClassRow[],
  topN: number,
): ReportFigure[] {
  const figures: ReportFigure[] = [];
  const source =
    'IoU of the boxes at the run’s threshold, CAM of the ground-truth class (predicted class where unknown)';
  const threshold = analysis.config.threshold;
  if (analysis.ious.length > 0) {
    figures.push({
      id: 'best-iou-histogram',
      title: 'Best IoU per image',
      caption: `${analysis.ious.length} images, each counted by ${source}; threshold ${threshold}`,
      svg: histogramSvg({
        title: 'Best IoU per image',
        xLabel: 'best IoU with the ground truth',
        yLabel: 'images',
        bins: histogram(analysis.ious, 20),
        marker: { x: FAILURE_RULES.localized, label: `IoU ${FAILURE_RULES.localized}` },
      }),
    });
    const { levels, accuracy } = accuracyByIoULevel(analysis.ious);
    figures.push({
      id: 'accuracy-vs-iou',
      title: 'Localization accuracy vs IoU level',
      caption: `share of images whose best IoU reaches each level, counted by ${source}; at 0.5 this is GT-known Loc`,
      svg: curvesSvg({
        title: 'Localization accuracy vs IoU level',
        xLabel: 'IoU level',
        yLabel: 'images localized (%)',
        x: levels,
        yMax: 100,
        legend: 'right',
        markers: [{ x: FAILURE_RULES.localized, label: 'GT-known Loc' }],
        series: [{ label: `threshold ${threshold}`, y: accuracy }],
      }),
    });
  }
  if (analysis.sizedImages > 0) {
    const bars = BOX_SIZES.filter((s) => analysis.bySize[s].images > 0).map((size) => {
      const { images, localized } = analysis.bySize[size];
      const interval = wilsonInterval(localized, images)!;
      return {
        label: describeBoxSize(size),
        value: (100 * localized) / images,
        low: 100 * interval.low,
        high: 100 * interval.high,
        note: `n = ${images}`,
      };
    });
    const cut = (v: number) => `${Math.round(v * 100)}%`;
    figures.push({
      id: 'accuracy-by-box-size',
      title: 'Localization accuracy by ground-truth box size',
      caption:
        `IoU ≥ ${FAILURE_RULES.localized}; size = the largest ground-truth box’s share of the image area: small < ${cut(BOX_SIZE_CUTOFFS.small)}, ` +
        `medium ${cut(BOX_SIZE_CUTOFFS.small)}–${cut(BOX_SIZE_CUTOFFS.large)}, large ≥ ${cut(BOX_SIZE_CUTOFFS.large)}; whiskers: Wilson 95% intervals`,
      svg: barChartSvg({
        title: 'Localization accuracy by box size',
        xLabel: 'ground-truth box size',
        yLabel: 'IoU ≥ 0.5 (%)',
        bars,
      }),
    });
  }
  if (classes.length > 0) {
    const { best, worst } = bestAndWorst(classes, topN);
    const bar = (r: ClassRow) => ({
      label: classLabel(r),
      value: r.gtKnownLoc,
      low: r.low,
      high: r.high,
      note: `n=${r.images}`,
    });
    figures.push({
      id: 'per-class-best-worst',
      title: `GT-known Loc of the ${best.length} best and ${worst.length} worst classes`,
      caption:
        'best ranked by the lower end of the Wilson 95% interval, worst by its upper end (so classes with one or two images do not lead); lines: the interval',
      svg: rankedBarsSvg({
        title: 'GT-known Loc per class',
        xLabel: 'GT-known Loc (%)',
        groups: [
          { label: `Best ${best.length}`, bars: best.map(bar) },
          ...(worst.length > 0 ? [{ label: `Worst ${worst.length}`, bars: worst.map(bar) }] : []),
        ],
      }),
    });
  }
  return figures;
}

/** The overlays' colormap: the run's `colormap` when it recorded one, else jet (the overlays' default). */
export function colormapOf(config: object): ColormapName {
  const recorded = (config as { colormap?: unknown }).colormap;
  return COLORMAP_NAMES.includes(recorded as ColormapName) ? (recorded as ColormapName) : 'jet';
}

/**
 * Where the run's `--threshold` sits on the colour bar: a fraction of the maximum (the maps are
 * normalised to a maximum of 1) or an absolute value is one place on it; otsu, mean and
 * percentiles differ per image and are said in the label instead.
 */
export function thresholdMarker(threshold: string): { value: number; label: string } | string {
  let spec: ReturnType<typeof parseThreshold>;
  try {
    spec = parseThreshold(threshold);
  } catch {
    return `boxes at threshold ${threshold}`;
  }
  if ((spec.kind === 'fraction' || spec.kind === 'absolute') && spec.value >= 0 && spec.value <= 1)
    return { value: spec.value, label: `box threshold ${threshold}` };
  return `box threshold ${threshold}, set per image`;
}

/** The keys to the gallery pictures: the CAM colour bar (the box threshold marked) and the box colours. */
export function pictureKeys(colormap: ColormapName, threshold: string): ReportFigure[] {
  const lut = colormapLut(colormap);
  const colours = Array.from(
    { length: 256 },
    (_, i) => [lut[3 * i]!, lut[3 * i + 1]!, lut[3 * i + 2]!] as const,
  );
  return [
    {
      id: 'cam-colour-bar',
      title: `CAM colormap (${colormap})`,
      svg: colourBarSvg({
        title: `CAM colormap (${colormap}), normalised map value`,
        colours,
        lowLabel: '0 (lowest)',
        highLabel: '1 (highest)',
        ...markerOrNote(thresholdMarker(threshold)),
      }),
    },
    {
      id: 'box-legend',
      title: 'Box colours',
      svg: boxLegendSvg('Box colours', [
        { label: 'predicted box (from the CAM at the run’s threshold)', colour: PREDICTED_COLOUR },
        { label: 'ground-truth box', colour: TRUTH_COLOUR },
      ]),
    },
  ];
}

function markerOrNote(marker: ReturnType<typeof thresholdMarker>) {
  return typeof marker === 'string' ? { highLabel: `1 (highest); ${marker}` } : { marker };
}

const FIGURE_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Writes each figure as `<dir>/figures/<id>.svg` with an XML declaration; returns the paths. */
export async function writeFigures(dir: string, figures: readonly ReportFigure[]): Promise<string[]> {
  if (figures.length === 0) return [];
  const paths: string[] = [];
  for (const figure of figures) {
    if (!FIGURE_ID.test(figure.id))
      throw new Error(`figure id ${JSON.stringify(figure.id)} is not a file name`);
    paths.push(
      await writeInside(
        dir,
        `figures/${figure.id}.svg`,
        `<?xml version="1.0" encoding="UTF-8"?>\n${figure.svg}\n`,
      ),
    );
  }
  return paths;
}
