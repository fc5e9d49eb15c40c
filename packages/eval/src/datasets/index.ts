/**
 * `readDataset`: detect the annotation format of a dataset folder and read it.
 * Detection order: wsolevaluation metadata (`image_ids.txt`), CUB-200-2011 (`images.txt` +
 * `bounding_boxes.txt`), ImageNet CSV (`LOC_val_solution.csv`, or that file given directly),
 * VOC/ILSVRC XML (`Annotations/` or `annotations/`), else a plain folder of images.
 * A folder holding two layouts (ilsvrc2012-val-1000 has both metadata and XML) reads as the
 * first; pass `format` to choose.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataError, UsageError } from '@cam-localize/core';
import { isCub, readCubDataset } from './cub.js';
import { readImageFolder } from './folder.js';
import { isImagenetCsv, readImagenetCsv } from './imagenet-csv.js';
import type { Dataset, DatasetFormat, ReadDatasetOptions } from './types.js';
import { findVocAnnotations, readVocDataset } from './voc.js';
import { isWsolMetadata, readWsolMetadata } from './wsol.js';

/**
 * The dataset layouts, in detection order: one row per reader. Adding a layout = one reader file,
 * its name in the `DatasetFormat` union (`types.ts`; the readers' own types need it, and
 * `satisfies` below then asks for the row), and one row here. `DATASET_FORMATS` (the names in
 * detection order, which `readDataset`'s error lists) derives from this table.
 */
export const DATASET_READERS = {
  'wsol-metadata': {
    summary: 'wsolevaluation metadata: image_ids.txt, class_labels.txt, localization.txt',
    detect: (root: string, options: DetectOptions) =>
      isWsolMetadata(resolve(root, options.metadataDir ?? '.')),
    read: readWsolMetadata,
  },
  cub: {
    summary: 'CUB-200-2011: images.txt, image_class_labels.txt, bounding_boxes.txt',
    detect: (root: string) => isCub(root),
    read: readCubDataset,
  },
  'imagenet-csv': {
    summary: 'ImageNet LOC_val_solution.csv (the folder or the CSV itself)',
    detect: (root: string) => isImagenetCsv(root),
    read: readImagenetCsv,
  },
  'voc-xml': {
    summary: 'Pascal VOC / ILSVRC XML annotations in Annotations/ or annotations/',
    detect: (root: string) => findVocAnnotations(root) !== undefined,
    read: readVocDataset,
  },
  folder: {
    summary: 'a plain folder of images, no ground truth',
    detect: () => true,
    read: readImageFolder,
  },
} as const satisfies Record<DatasetFormat, DatasetReader>;

interface DetectOptions {
  readonly metadataDir?: string;
}

interface DatasetReader {
  readonly summary: string;
  /** Whether a folder holds this layout (the first row that says yes wins). */
  readonly detect: (root: string, options: DetectOptions) => boolean;
  readonly read: (root: string, options: ReadDatasetOptions) => Promise<Dataset>;
}

/** The layout names, in detection order. */
export const DATASET_FORMATS = Object.keys(DATASET_READERS) as DatasetFormat[];

/** The format `readDataset` would pick for a path. */
export function detectDatasetFormat(
  root: string,
  options: Pick<ReadDatasetOptions, 'metadataDir'> = {},
): DatasetFormat {
  const abs = resolve(root);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch (cause) {
    throw new DataError('E_DATASET', 'dataset not found', { file: abs, cause });
  }
  if (st.isFile()) {
    if (abs.toLowerCase().endsWith('.csv')) return 'imagenet-csv';
    throw new DataError('E_DATASET', 'a dataset must be a folder (or an ImageNet LOC_*.csv file)', {
      file: abs,
    });
  }
  const detectOptions = options.metadataDir === undefined ? {} : { metadataDir: options.metadataDir };
  return DATASET_FORMATS.find((format) => DATASET_READERS[format].detect(abs, detectOptions))!;
}

/** Reads a dataset folder in the layout asked for, or the one detected. */
export async function readDataset(root: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const format = options.format ?? detectDatasetFormat(root, options);
  if (!Object.hasOwn(DATASET_READERS, format)) {
    throw new UsageError(`unknown dataset format ${JSON.stringify(format)}`, {
      hint: `one of ${DATASET_FORMATS.join(', ')}`,
    });
  }
  return DATASET_READERS[format].read(root, options);
}

export { isCub, readCubDataset } from './cub.js';
export { readImageFolder } from './folder.js';
export { IMAGENET_CSV, isImagenetCsv, readImagenetCsv } from './imagenet-csv.js';
export { type ClassList, parseClassList, readClassList } from './labels.js';
export type { Dataset, DatasetFormat, DatasetItem, DatasetMask, ReadDatasetOptions } from './types.js';
export { findVocAnnotations, IMAGE_EXTENSIONS, parseVocAnnotation, readVocDataset } from './voc.js';
export { isWsolMetadata, readWsolMetadata, WSOL_FILES } from './wsol.js';
export { child, children, parseXml, type XmlElement } from './xml.js';
