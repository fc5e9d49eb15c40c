import { CamError } from '../../errors.js';
import { CamMethod, channelSums } from '../base.js';
import { torchCamNormalizeInPlace } from '../normalize.js';
import { channelMask } from '../score-masks.js';
import type { CamCompat, CamContext, Normalization } from '../types.js';

export interface ScoreCamOptions {
  /**
   * At most this many channels get masked forward passes, the ones with the largest mean
   * activation; the rest weigh 0. Each channel costs one forward pass (SS-CAM and IS-CAM: one per
   * sample), so the cap bounds the cost (default 128; `Infinity` for the paper's exact method;
   * under a library's `compat` the default is `Infinity`, as the libraries weigh every channel).
   */
  readonly maxChannels?: number;
  /** Masked inputs per forward call (default 32). */
  readonly batchSize?: number;
  readonly compat?: CamCompat;
}

/**
 * Score-CAM: Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional
 * Neural Networks", CVPR Workshops 2020.
 *
 * H_k = minmax(upsample(F_k)) masks the input; w_k = softmax(f(X * H_k))_c, M_c = relu(sum_k w_k F_k).
 * Needs only forward passes (batched here), so it works for any head whose scores the model
 * outputs, but costs one pass per channel: see `maxChannels`. SS-CAM and IS-CAM reuse the
 * machinery through `samples` and `sampler` (several masks per channel, their scores averaged).
 * `compat: 'pytorch-grad-cam'`: masks upsampled with align_corners=True and scaled by
 * (max - min + 1e-8); the score of a pass is the raw logit f(X * H_k)_c, and the weights are a
 * softmax of those logits over the channels (the paper takes the softmax over the classes).
 * `compat: 'torch-cam'` (activation.py, ScoreCAM and its SSCAM, ISCAM): each channel is min-maxed
 * at the feature size BEFORE the upsampling (`self._normalize(act.clone(), act.ndim - 2)`, then
 * `F.interpolate(..., mode="bilinear", align_corners=False)`); the score of a pass is
 * `chunk_scores - baseline_scores`, the raw output of the class minus the clean image's; the
 * weights are `torch.softmax(weight.view(...), -1)`, a softmax over the channels of those
 * differences (averaged over the samples first); the map is min-maxed with max + 1e-8. With
 * `maxChannels` below the channel count, the softmax runs over the channels measured.
 *
 * @example
 * const method = new ScoreCam({ maxChannels: 256, batchSize: 16 });
 * const map = await method.compute({ ...context, input, inputWidth: 224, inputHeight: 224, forward }, target);
 */
export class ScoreCam extends CamMethod {
  readonly maxChannels: number;
  readonly batchSize: number;
  readonly compat: CamCompat;
  /** Masked passes per channel. */
  protected readonly samples: number = 1;

  constructor(options: ScoreCamOptions = {}) {
    super();
    this.compat = options.compat ?? 'paper';
    this.maxChannels = options.maxChannels ?? (this.compat === 'paper' ? 128 : Number.POSITIVE_INFINITY);
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
    if (!(this.maxChannels >= 1))
      throw new CamError(`Score-CAM maxChannels must be >= 1, got ${this.maxChannels}`);
  }

  /**
   * The mask of pass `sample` (0..samples-1) of a channel whose mask is `mask`, as a function made
   * once per image (so SS-CAM's seeded noise restarts with each image). Score-CAM: the mask itself.
   */
  protected sampler(): (mask: Float32Array, sample: number) => Float32Array {
    return (mask) => mask;
  }

  protected async channelWeights(context: CamContext, classIndex: number): Promise<Float32Array> {
    const { input, inputWidth, inputHeight, forward, channels, width, height, features, head } = context;
    if (
      input === undefined ||
      inputWidth === undefined ||
      inputHeight === undefined ||
      forward === undefined
    ) {
      throw new CamError('Score-CAM needs the input tensor, its size and a forward function');
    }
    const plane = inputWidth * inputHeight;
    if (input.length !== 3 * plane) {
      throw new CamError(
        `Score-CAM input holds ${input.length} values, expected 3x${inputHeight}x${inputWidth}`,
      );
    }
    const selected = strongestChannels(context, this.maxChannels);
    const totals = new Float64Array(selected.length);
    const batch = new Float32Array(this.batchSize * 3 * plane);
    const sampleMask = this.sampler();
    const passes = selected.length * this.samples;
    let mask: Float32Array = new Float32Array(0);
    let maskOf = -1;
    for (let start = 0; start < passes; start += this.batchSize) {
      const count = Math.min(this.batchSize, passes - start);
      for (let b = 0; b < count; b++) {
        const s = Math.floor((start + b) / this.samples);
        if (s !== maskOf) {
          const k = selected[s]!;
          const channel = features.subarray(k * width * height, (k + 1) * width * height);
          mask = channelMask(channel, width, height, inputWidth, inputHeight, this.compat);
          maskOf = s;
        }
        const sample = sampleMask(mask, (start + b) % this.samples);
        const target = batch.subarray(b * 3 * plane, (b + 1) * 3 * plane);
        for (let c = 0; c < 3; c++) {
          const offset = c * plane;
          for (let p = 0; p < plane; p++) target[offset + p] = input[offset + p]! * sample[p]!;
        }
      }
      const scores = await forward(batch.subarray(0, count * 3 * plane), count);
      const classes = head.numClasses;
      for (let b = 0; b < count; b++) {
        const row = scores.subarray(b * classes, (b + 1) * classes);
        const s = Math.floor((start + b) / this.samples);
        totals[s] = totals[s]! + this.passScore(row, classIndex, context);
      }
    }
    const means = Float32Array.from(totals, (total) => total / this.samples);
    const weights = new Float32Array(channels);
    // Both libraries: a softmax over the channels (`torch.softmax(..., -1)`), not over the classes.
    const overChannels = this.compat !== 'paper';
    for (const [s, k] of selected.entries()) weights[k] = overChannels ? softmaxAt(means, s) : means[s]!;
    return weights;
  }

  /** What one masked pass scores: the paper's class probability, or a library's raw output. */
  private passScore(row: Float32Array, classIndex: number, context: CamContext): number {
    if (this.compat === 'pytorch-grad-cam') return row[classIndex]!;
    // torch-cam: `weight[slice_] = chunk_scores - baseline_scores[chunk_indices]` (the baseline
    // cancels in the softmax over channels; it is kept for the library's rounding).
    if (this.compat === 'torch-cam') return row[classIndex]! - context.scores[classIndex]!;
    return softmaxAt(row, classIndex);
  }

  protected override normalize(map: Float32Array, normalization: Normalization): Float32Array {
    if (this.compat === 'torch-cam') return torchCamNormalizeInPlace(map, normalization);
    return super.normalize(map, normalization);
  }
}

/** Indices of the `limit` channels with the largest mean activation, strongest first. */
export function strongestChannels(context: CamContext, limit: number): Int32Array {
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
