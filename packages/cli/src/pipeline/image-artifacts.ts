/**
 * What `run` and `predict` write of one image besides its record: each target's map as
 * `<--save-cams>/<id>.npy` (the first target; the others `<id>.class<c>.npy`) and the overlay of
 * the map shown. One code for both commands, so their files cannot drift apart.
 */
import type {
  Box,
  CamCompat,
  Inference,
  Normalization,
  ResampleMethod,
  RgbImage,
  ScoreMap,
} from '@cam-localize/core';
import {
  mapAtSize,
  type OverlayStyle,
  overlayLabel,
  renderOverlay,
  saveCam,
  saveOverlay,
} from './artifacts.js';
import type { CommonWork, WorkItem } from './image-work-settings.js';

export class ImageArtifacts {
  constructor(private readonly work: CommonWork) {}

  /** The class's name, where the labels or the dataset give one. */
  readonly nameOf = (c: number): string | undefined => this.work.classNames[c] ?? undefined;

  /** What resized maps follow: --compat (pytorch-grad-cam min-maxes them again) and the normalisation. */
  get compat(): { compat?: CamCompat; normalization: Normalization } {
    const { compat } = this.work.camOptions;
    return { ...(compat === undefined ? {} : { compat }), normalization: this.work.normalization };
  }

  /** With --save-cams: writes the map of the `t`-th target at --cam-size, upsampled by `upsample`. */
  async saveMap(
    inference: Inference,
    item: WorkItem,
    target: { readonly t: number; readonly classIndex: number; readonly map: ScoreMap },
    upsample: ResampleMethod,
  ): Promise<void> {
    const saving = this.work.saveCams;
    if (saving === undefined) return;
    const id = target.t === 0 ? item.id : `${item.id}.class${target.classIndex}`;
    const geometry = inference.prepared.geometry;
    await saveCam(saving.dir, id, mapAtSize(target.map, saving.size, geometry, upsample, this.compat));
  }

  /** Whether the image gets an overlay: --overlays, and its decoded image kept. */
  wantsOverlay(inference: Inference): boolean {
    return this.work.overlayDir !== undefined && inference.prepared.image !== undefined;
  }

  /**
   * With --overlays (and the decoded image kept): writes the overlay of `classIndex`'s map, the
   * boxes found and the ground truth, in the run's style, tagged with the class name and score.
   */
  async writeOverlay(
    inference: Inference,
    item: WorkItem,
    shown: { readonly classIndex: number; readonly map: ScoreMap; readonly found: readonly Box[] },
    truth: readonly Box[],
  ): Promise<void> {
    const dir = this.work.overlayDir;
    const image: RgbImage | undefined = inference.prepared.image;
    if (dir === undefined || image === undefined) return;
    const options: { style?: OverlayStyle; label: string } = {
      ...(this.work.overlayStyle === undefined ? {} : { style: this.work.overlayStyle }),
      label: overlayLabel(
        shown.classIndex,
        this.nameOf(shown.classIndex),
        inference.scores[shown.classIndex],
        this.work.scores.recorded,
      ),
    };
    const geometry = inference.prepared.geometry;
    await saveOverlay(dir, item.id, renderOverlay(image, shown.map, geometry, shown.found, truth, options));
  }
}
