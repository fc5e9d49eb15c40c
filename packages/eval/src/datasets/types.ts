/**
 * Dataset model shared by the readers: a list of images with optional size, class and
 * ground-truth boxes or masks, in the coordinates of the original image files.
 */
import type { Box } from '@cam-localize/core';

export type DatasetFormat = 'wsol-metadata' | 'voc-xml' | 'cub' | 'imagenet-csv' | 'folder';

export interface DatasetMask {
  /** Absolute paths of the instance masks (PNG, foreground > 0.5 after reading as grey). */
  files: string[];
  /** Absolute path of the ignore mask, when there is one. */
  ignoreFile?: string;
}

export interface DatasetItem {
  /** Image id as wsolevaluation spells it: the path relative to the image root, '/'-separated. */
  id: string;
  /** Absolute path of the image file. */
  file: string;
  /** Original image size, when the annotations give it. */
  width?: number;
  height?: number;
  /** Where `width` and `height` are written (image_sizes.txt, an XML <size>), for errors. */
  sizeFrom?: { file: string; line: number | undefined };
  /** Class index of the image (first object's for VOC); -1 when its name is not in the class list. */
  classIndex?: number;
  /** Class name as the annotation spells it (wnid, VOC name), when it gives one. */
  className?: string;
  /** Ground-truth boxes in original pixels, as given (floats stay floats; no convention change). */
  boxes: Box[];
  /** Per box, the annotated class name (VOC/ILSVRC XML, ImageNet CSV). */
  boxClassNames?: string[];
  /** Ground-truth masks (wsolevaluation's mask metadata). */
  mask?: DatasetMask;
  /**
   * Set when the image lacked ground truth the rest of its dataset has (see ground-truth.ts): its
   * ground truth was taken away so that it counts in no metric.
   */
  missingGroundTruth?: ('class label' | 'boxes' | 'mask')[];
}

export interface Dataset {
  /** Absolute dataset root. */
  root: string;
  format: DatasetFormat;
  items: DatasetItem[];
  /** Class names by index, when a class list was found or given. */
  classNames?: string[];
  /** Class keys (wnids, VOC names) by index, when a class list was found or given. */
  classKeys?: string[];
}

export interface ReadDatasetOptions {
  /** Force a format instead of detecting it. */
  format?: DatasetFormat;
  /** A class list file (`wnid name...` or `name` per line; line i is class i). */
  labels?: string;
  /** wsolevaluation: folder holding image_ids.txt etc. when not the root. */
  metadataDir?: string;
  /** Root the image ids are relative to (default: the dataset root; CUB: `<root>/images`). */
  imageRoot?: string;
  /** Root that mask paths are relative to (wsolevaluation masks; default: the dataset root). */
  maskRoot?: string;
  /** CUB-200-2011 split. Default 'test'. */
  split?: 'train' | 'test' | 'all';
  /** Files read at once (XML annotations). Default 32. */
  concurrency?: number;
  /**
   * Let image, mask and annotation paths resolve outside the dataset root (absolute paths, `..`,
   * symbolic links that lead out). Default false: such paths are refused (see confine.ts).
   */
  allowOutsideRoot?: boolean;
  /** Problems listed in the one error a reader throws for a bad dataset. Default 20. */
  maxProblems?: number;
}
