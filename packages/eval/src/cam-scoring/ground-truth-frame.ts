/**
 * The ground truth of each image of `scoreCamDirectory`, in the evaluation frame: the image's
 * size (from the layout, else from the file's header, never its pixels), its boxes clipped to
 * the image and scaled with int() truncation (protocol-frame.ts), and the first checks that may
 * skip it (no score-map candidates, no ground truth, no size).
 */
import { type Box, describeError, type ImageSize } from '@cam-localize/core';
import type { CamFiles } from '../cam-candidates.js';
import type { DatasetItem } from '../datasets/types.js';
import { groundTruthInFrame } from '../protocol-frame.js';
import type { CamTally } from './tally.js';

/** Header reads at once. */
const HEADER_READS = 16;

/** An image that passed the first checks: where its map may be, and its boxes in the frame (maybe none). */
export interface ImageInFrame extends CamFiles {
  readonly item: DatasetItem;
  readonly gtBoxes: Box[];
}

export class GroundTruthFrame {
  private constructor(
    private readonly size: number,
    private readonly headerSizes: Map<DatasetItem, ImageSize | string>,
    private readonly camFiles: Map<string, CamFiles | Error>,
    private readonly camDir: string,
    private readonly tally: CamTally,
  ) {}

  /** Reads the sizes the layout does not store, from the images' headers. */
  static async open(
    items: readonly DatasetItem[],
    frame: { size: number; camDir: string; camFiles: Map<string, CamFiles | Error> },
    imageSize: (file: string) => Promise<ImageSize>,
    tally: CamTally,
  ): Promise<GroundTruthFrame> {
    const headerSizes = new Map<DatasetItem, ImageSize | string>();
    const needSize = items.filter(
      (i) => i.boxes.length > 0 && (i.width === undefined || i.height === undefined),
    );
    let k = 0;
    const reader = async () => {
      while (k < needSize.length) {
        const item = needSize[k++]!;
        headerSizes.set(item, await imageSize(item.file).catch((e: unknown) => describeError(e)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEADER_READS, needSize.length) }, reader));
    return new GroundTruthFrame(frame.size, headerSizes, frame.camFiles, frame.camDir, tally);
  }

  /**
   * The image ready to score, or undefined (its problem reported) when it cannot be: no
   * candidates, no ground truth, or boxes without an image size and no mask to score instead.
   */
  imageInFrame(item: DatasetItem): ImageInFrame | undefined {
    const files = this.camFiles.get(item.id)!;
    if (files instanceof Error) {
      this.tally.report(item.id, { file: this.camDir, kind: 'corrupt', message: describeError(files) });
      return undefined;
    }
    const hasMask = item.mask !== undefined;
    const file = files.candidates[0]!;
    if (item.boxes.length === 0 && !hasMask) {
      const message = 'the dataset has no ground-truth box or mask for this image';
      this.tally.report(item.id, { file, kind: 'no-ground-truth', message });
      return undefined;
    }
    let gtBoxes: Box[] = [];
    if (item.boxes.length > 0) {
      const framed = this.boxesInFrame(item);
      if (typeof framed === 'string') {
        this.tally.report(item.id, { file, kind: 'no-image-size', message: framed });
        if (!hasMask) return undefined;
      } else {
        gtBoxes = framed;
      }
    }
    return { ...files, item, gtBoxes };
  }

  /** The item's boxes clipped to its image and brought to the frame, or why they cannot be. */
  private boxesInFrame(item: DatasetItem): Box[] | string {
    let width = item.width;
    let height = item.height;
    if (width === undefined || height === undefined) {
      const header = this.headerSizes.get(item);
      if (header === undefined || typeof header === 'string')
        return `no image size (the layout stores none, and the image header cannot be read: ${header ?? 'no file'})`;
      ({ width, height } = header);
    }
    const frame = { width: this.size, height: this.size };
    const framed = groundTruthInFrame(item.boxes, { width, height }, frame);
    this.tally.clippedBoxes += framed.clipped;
    this.tally.zeroAreaBoxes += framed.zeroArea;
    this.tally.outsideBoxes += framed.outside;
    return framed.inFrame;
  }
}
