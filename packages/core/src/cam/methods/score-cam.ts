import { CamError } from '../../errors.js';
import { resampleScoreMap } from '../../resample.js';
import { scoreMap } from '../../scoremap.js';
import { CamMethod, channelSums } from '../base.js';
import { minMaxInPlace } from '../normalize.js';
import type { CamContext } from '../types.js';

export interface ScoreCamOptions {
  /**
   * At most this many channels get a masked forward pass, the ones with the largest mean
   * activation; the rest weigh 0. Each channel costs one forward pass, so the cap bounds the cost
   * at `maxChannels` passes per image (default 128; `Infinity` for the paper's exact method).
   */
  readonly maxChannels?: number;
  /** Masked inputs per forward call (default 32). */
  readonly batchSize?: number;
}

/**
 * Score-CAM: Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional
 * Neural Networks", CVPR Workshops 2020.
 *
 * H_k = minmax(upsample(F_k)) masks the input; w_k = softmax(f(X * H_k))_c, M_c = relu(sum_k w_k F_k).
 * Needs only forward passes (batched here), so it works for any head whose scores the model
 * outputs, but costs one pass per channel: see `maxChannels`.
 *
 * @example
 * const method = new ScoreCam({ maxChannels: 256, batchSize: 16 });
 * const map = await method.compute({ ...context, input, inputWidth: 224, inputHeight: 224, forward }, target);
 */
export class ScoreCam extends CamMethod {
  readonly name = 'scorecam';
  readonly maxChannels: number;
  readonly batchSize: number;

  constructor(options: ScoreCamOptions = {}) {
    super();
    this.maxChannels = options.maxChannels ?? 128;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
    if (!(this.maxChannels >= 1))
      throw new CamError('E_CAM', `Score-CAM maxChannels must be >= 1, got ${this.maxChannels}`);
  }

  protected async channelWeights(context: CamContext, classIndex: number): Promise<Float32Array> {
    const { input, inputWidth, inputHeight, forward, channels, width, height, features, head } = context;
    if (
      input === undefined ||
      inputWidth === undefined ||
      inputHeight === undefined ||
      forward === undefined
    ) {
      throw new CamError('E_CAM', 'Score-CAM needs the input tensor, its size and a forward function');
    }
    const plane = inputWidth * inputHeight;
    if (input.length !== 3 * plane) {
      throw new CamError(
        'E_CAM',
        `Score-CAM input holds ${input.length} values, expected 3x${inputHeight}x${inputWidth}`,
      );
    }
    const selected = strongestChannels(context, this.maxChannels);
    const weights = new Float32Array(channels);
    const batch = new Float32Array(this.batchSize * 3 * plane);
    for (let start = 0; start < selected.length; start += this.batchSize) {
      const count = Math.min(this.batchSize, selected.length - start);
      for (let b = 0; b < count; b++) {
        const k = selected[start + b]!;
        const channel = features.subarray(k * width * height, (k + 1) * width * height);
        const mask = resampleScoreMap(
          scoreMap(width, height, channel),
          inputWidth,
          inputHeight,
          'bilinear',
        ).data;
        minMaxInPlace(mask);
        const target = batch.subarray(b * 3 * plane, (b + 1) * 3 * plane);
        for (let c = 0; c < 3; c++) {
          const offset = c * plane;
          for (let p = 0; p < plane; p++) target[offset + p] = input[offset + p]! * mask[p]!;
        }
      }
      const scores = await forward(batch.subarray(0, count * 3 * plane), count);
      const classes = head.numClasses;
      for (let b = 0; b < count; b++) {
        weights[selected[start + b]!] = softmaxAt(
          scores.subarray(b * classes, (b + 1) * classes),
          classIndex,
        );
      }
    }
    return weights;
  }
}

/** Indices of the `limit` channels with the largest mean activation, strongest first. */
function strongestChannels(context: CamContext, limit: number): Int32Array {
  const sums = channelSums(context);
  const order = Array.from({ length: context.channels }, (_, k) => k).sort(
    (a, b) => sums[b]! - sums[a]! || a - b,
  );
  return Int32Array.from(order.slice(0, Math.min(context.channels, limit)));
}

/** softmax(scores)[index], computed stably. */
export function softmaxAt(scores: Float32Array, index: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += Math.exp(scores[i]! - max);
  return Math.exp(scores[index]! - max) / sum;
}
