/**
 * What a report shows, as plain data: the CLI fills it from a run directory, and the renderers
 * (Markdown, HTML) only lay it out. Strings here may come from data (file and class names): the
 * renderers escape every one of them.
 */
export interface ReportInput {
  readonly title: string;
  /** ISO time the report was made. */
  readonly generated: string;
  /** The configuration of the run, shown as a key/value table. */
  readonly config: Readonly<Record<string, string | number | boolean | null>>;
  /** The headline metrics. */
  readonly metrics: readonly ReportMetric[];
  /** Curves over thresholds, e.g. BoxAcc at each IoU level. */
  readonly curves?: ReportCurves;
  readonly perClass?: ReportTable;
  /** Galleries of examples, e.g. the best and worst images. */
  readonly galleries?: readonly ReportGallery[];
  /** Further sections, already rendered (e.g. `faithfulnessSection`), after the curves. */
  readonly sections?: readonly ReportSection[];
  /** Images that failed, with their errors. */
  readonly failures?: readonly { readonly id: string; readonly error: string }[];
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
  readonly series: readonly {
    readonly label: string;
    readonly y: ArrayLike<number>;
    readonly best?: number;
  }[];
}

export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

export interface ReportGallery {
  readonly title: string;
  readonly items: readonly ReportGalleryItem[];
}

export interface ReportGalleryItem {
  readonly caption: string;
  /** The picture: a data: URI (self-contained) or a relative path. */
  readonly src: string;
  readonly alt?: string;
}

/** A section rendered by its own module: trusted HTML and Markdown (data escaped by their maker). */
export interface ReportSection {
  readonly title: string;
  readonly html: string;
  readonly markdown: string;
}
