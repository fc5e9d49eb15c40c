/**
 * What a report shows, as plain data: the CLI fills it from a run directory, and the renderers
 * (Markdown, HTML) only lay it out. Strings here may come from data (file and class names): the
 * renderers escape every one of them. The one exception is a figure's `svg`, which must come from
 * this module's chart functions (they escape what they draw).
 */
export interface ReportInput {
  readonly title: string;
  /** ISO time the report was made. */
  readonly generated: string;
  /** What was run, on what, when and how fast: shown first, as a short key/value list. */
  readonly header?: readonly ReportHeaderItem[];
  /** The configuration of the run, shown as a key/value table. */
  readonly config: Readonly<Record<string, string | number | boolean | null>>;
  /** The headline metrics. */
  readonly metrics: readonly ReportMetric[];
  /** Curves over thresholds, e.g. BoxAcc at each IoU level (the first figure). */
  readonly curves?: ReportCurves;
  /** Further figures, each also written as a standalone `.svg`. */
  readonly figures?: readonly ReportFigure[];
  /** Tables after the figures (e.g. the best and worst classes, failure modes). */
  readonly tables?: readonly ReportTable[];
  readonly perClass?: ReportTable;
  /** Keys to the pictures (colour bar, box colours), shown before the galleries. */
  readonly galleryKey?: readonly ReportFigure[];
  /** Galleries of examples, e.g. the best and worst images. */
  readonly galleries?: readonly ReportGallery[];
  /** Optional extra sections (e.g. faithfulness metrics), after the galleries, in order: built from
   * data (`ReportSection`) or rendered by their own module (`RenderedSection`). */
  readonly sections?: readonly (ReportSection | RenderedSection)[];
  /** Images that failed, with their errors. */
  readonly failures?: readonly { readonly id: string; readonly error: string }[];
}

export interface ReportHeaderItem {
  readonly label: string;
  readonly value: string;
}

export interface ReportMetric {
  readonly name: string;
  readonly value: number | string;
  /** E.g. '%'. */
  readonly unit?: string;
  readonly note?: string;
}

export interface ReportCurves {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: ArrayLike<number>;
  readonly series: readonly ReportSeries[];
  /** Top of the y axis (default: a round number above the highest point). */
  readonly yMax?: number;
  /** Vertical guide lines, e.g. the run's threshold. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  /** Where the legend sits: inside the plot, top left (default) or right, or below it, off the curves. */
  readonly legend?: 'left' | 'right' | 'below';
}

export interface ReportSeries {
  readonly label: string;
  readonly y: ArrayLike<number>;
  /** Index of the point to mark (e.g. the best threshold). */
  readonly best?: number;
  /** CSS colour; default the palette in order. */
  readonly color?: string;
  /** Dash style index (0 solid, 1 dashed, 2 dotted, 3 dash-dot). */
  readonly dash?: number;
}

/** A chart: `svg` from this module's chart functions, `id` its file stem in `figures/`. */
export interface ReportFigure {
  readonly id: string;
  readonly title: string;
  readonly caption?: string;
  readonly svg: string;
}

export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  /** A sentence under the title: how the rows were chosen, what the columns mean. */
  readonly note?: string;
}

export interface ReportGallery {
  readonly title: string;
  /** How the examples were chosen (rule and threshold). */
  readonly note?: string;
  readonly items: readonly ReportGalleryItem[];
}

export interface ReportGalleryItem {
  readonly caption: string;
  /** The picture: a data: URI (self-contained) or a relative path. */
  readonly src: string;
  readonly alt?: string;
  /** The picture as a file relative to the report, for the Markdown report. */
  readonly file?: string;
}

/** A section another module contributes (metrics, figures and tables under one heading). */
export interface ReportSection {
  readonly id: string;
  readonly title: string;
  readonly intro?: string;
  readonly metrics?: readonly ReportMetric[];
  readonly figures?: readonly ReportFigure[];
  readonly tables?: readonly ReportTable[];
}

/** A section rendered by its own module: trusted HTML and Markdown (data escaped by their maker). */
export interface RenderedSection {
  readonly title: string;
  readonly html: string;
  readonly markdown: string;
}
