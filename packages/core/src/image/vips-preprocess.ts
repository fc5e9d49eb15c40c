/**
 * `--resize-engine vips`: decode and resize in libvips (shrink-on-load for JPEG where the scale
 * allows), then the same crop, channel order and normalisation as the PIL-exact path. The geometry
 * is identical; the pixels differ slightly (libvips' kernels are not Pillow's), which is why the
 * PIL-exact path stays the default for parity with PyTorch references.
 */
import type { ImageGeometry } from '../geometry.js';
import { keptRegion, type ModelInputSize, normalizeRegion, preprocessGeometry } from './preprocess.js';
import type { PreprocessConfig } from './presets.js';
import { type LoadImageOptions, loadImage } from './sharp-codec.js';

/** How images are resized: Pillow-exact in JS (default), or by libvips while decoding. */
export type ResizeEngine = 'pil' | 'vips';

export const RESIZE_ENGINES: readonly ResizeEngine[] = ['pil', 'vips'];

const KERNELS = { bilinear: 'linear', bicubic: 'cubic', nearest: 'nearest' } as const;

/** Loads an image file and preprocesses it with libvips doing the resize. */
export async function preprocessWithVips(
  source: string | Uint8Array,
  config: PreprocessConfig,
  input: ModelInputSize,
  options: Pick<LoadImageOptions, 'maxPixels' | 'allowSvg' | 'neededSize'> & { file: string },
  out?: Float32Array,
): Promise<{ tensor: Float32Array; geometry: ImageGeometry }> {
  let geometry: ImageGeometry | undefined;
  const region = await loadImage(source, {
    ...options,
    resize: (width, height) => {
      geometry = preprocessGeometry(width, height, config, input);
      const kept = keptRegion(geometry);
      return kept === undefined
        ? undefined
        : {
            width: geometry.resizeWidth,
            height: geometry.resizeHeight,
            kernel: KERNELS[config.interpolation],
            region: kept,
          };
    },
  });
  const g = geometry!;
  const kept = keptRegion(g);
  return {
    tensor: normalizeRegion(kept === undefined ? undefined : region.data, g, config, out),
    geometry: g,
  };
}
