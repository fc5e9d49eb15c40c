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

export const DATASET_FORMATS: readonly DatasetFormat[] = [
  'wsol-metadata',
  'voc-xml',
  'cub',
  'imagenet-csv',
  'folder',
];

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
    throw new DataError('E_DATASET', `dataset not found: ${abs}`, { file: abs, cause });
  }
  if (st.isFile()) {
    if (abs.toLowerCase().endsWith('.csv')) return 'imagenet-csv';
    throw new DataError('E_DATASET', 'a dataset must be a folder (or an ImageNet LOC_*.csv file)', {
      file: abs,
    });
  }
  if (isWsolMetadata(resolve(abs, options.metadataDir ?? '.'))) return 'wsol-metadata';
  if (isCub(abs)) return 'cub';
  if (isImagenetCsv(abs)) return 'imagenet-csv';
  if (findVocAnnotations(abs) !== undefined) return 'voc-xml';
  return 'folder';
}

export async function readDataset(root: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const format = options.format ?? detectDatasetFormat(root, options);
  switch (format) {
    case 'wsol-metadata':
      return readWsolMetadata(root, options);
    case 'voc-xml':
      return readVocDataset(root, options);
    case 'cub':
      return readCubDataset(root, options);
    case 'imagenet-csv':
      return readImagenetCsv(root, options);
    case 'folder':
      return readImageFolder(root, options);
    default:
      throw new UsageError('E_USAGE', `unknown dataset format ${JSON.stringify(format)}`, {
        hint: `one of ${DATASET_FORMATS.join(', ')}`,
      });
  }
}

export { isCub, readCubDataset } from './cub.js';
export { readImageFolder } from './folder.js';
export { IMAGENET_CSV, isImagenetCsv, readImagenetCsv } from './imagenet-csv.js';
export { type ClassList, parseClassList, readClassList } from './labels.js';
export type { Dataset, DatasetFormat, DatasetItem, DatasetMask, ReadDatasetOptions } from './types.js';
export { findVocAnnotations, IMAGE_EXTENSIONS, parseVocAnnotation, readVocDataset } from './voc.js';
export { isWsolMetadata, readWsolMetadata, WSOL_FILES } from './wsol.js';
export { child, children, parseXml, type XmlElement } from './xml.js';
