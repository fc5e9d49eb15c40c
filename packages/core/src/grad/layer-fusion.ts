/**
 * Layer-CAM's fusion of several layers (Jiang et al., TIP 2021, sec. III-C; as pytorch-grad-cam's
 * aggregate_multi_layers computes it): each layer's Layer-CAM is ReLU'd and min-maxed, resized to
 * the finest layer's grid (bilinear), and the maps are averaged; the mean is then normalised as
 * asked. Shallow layers add detail, deep ones the class evidence.
 */
import { LayerCam } from '../cam/methods/layer-cam.js';
import { normalizeInPlace } from '../cam/normalize.js';
import type { Normalization } from '../cam/types.js';
import { resampleScoreMap } from '../resample.js';
import { type ScoreMap, scoreMap } from '../scoremap.js';

export interface FusedLayer {
  /** [K, h, w] */
  readonly grid: readonly [number, number, number];
  readonly features: Float32Array;
  readonly gradients: Float32Array;
}

export async function fuseLayerCams(
  layers: readonly FusedLayer[],
  classIndex: number,
  numClasses: number,
  normalization: Normalization,
): Promise<ScoreMap> {
  const method = new LayerCam();
  const finest = layers.reduce((a, b) => (b.grid[1] * b.grid[2] > a.grid[1] * a.grid[2] ? b : a));
  const [, height, width] = finest.grid;
  const sum = new Float32Array(width * height);
  for (const layer of layers) {
    const [channels, h, w] = layer.grid;
    const map = await method.compute(
      {
        features: layer.features,
        gradients: layer.gradients,
        channels,
        height: h,
        width: w,
        head: { kind: 'layer', channels, numClasses, weights: null },
        scores: new Float32Array(numClasses),
      },
      classIndex,
      'relu-minmax',
    );
    const resized = w === width && h === height ? map : resampleScoreMap(map, width, height, 'bilinear');
    for (let p = 0; p < sum.length; p++) sum[p] = sum[p]! + resized.data[p]! / layers.length;
  }
  return scoreMap(width, height, normalizeInPlace(sum, normalization));
}
