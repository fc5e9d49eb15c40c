import { CamError } from '../../errors.js';
import { CamMethod, channelSums, classWeightRow } from '../base.js';
import type { AblatedScores, CamCompat, CamContext } from '../types.js';
import { strongestChannels } from './score-cam.js';

export interface AblationCamOptions {
  /**
   * Forward passes only: at most this many channels are ablated, those with the largest mean
   * activation; the others weigh 0. Default `Infinity`: every channel, the paper's method.
   */
  readonly maxChannels?: number;
  /** Forward passes only: ablated copies of the image per forward call (default 32). */
  readonly batchSize?: number;
  /**
   * `auto` (the default): the closed form on a GAP-linear or class-map head, forward passes on
   * token features. `forward-passes`: forward passes on every head (to check one against the other).
   */
  readonly form?: 'auto' | 'forward-passes';
  /** `pytorch-grad-cam`: its numbers where they are the paper's (see the class comment). */
  readonly compat?: CamCompat;
}

/** The ablated channels, strongest first, and the logits of the passes (see `measure`). */
interface Passes {
  readonly selected: Int32Array;
  readonly logits: Float32Array;
}

/**
 * Ablation-CAM: Desai & Ramaswamy, "Ablation-CAM: Visual Explanations for Deep Convolutional
 * Network via Gradient-free Localization", WACV 2020.
 *
 * w_k = (y_c - y_c^k) / y_c, with y_c the class logit and y_c^k the logit when channel k of the
 * feature tensor is zeroed; M_c = sum_k w_k F_k.
 *
 * Closed form (GAP-linear and class-map heads, the fast path): the head after the features is
 * linear over their average, so ablating channel k removes exactly its term: y_c - y_c^k =
 * W[c,k] mean(F_k) (the bias cancels), and no forward pass is needed. y_c is sum_k W[c,k] mean(F_k)
 * + b_c (the scores themselves when the bias is not known, which a model ending in Softmax hides).
 * On a class-map head y_c - y_c^c = y_c: w is one-hot and the map is CAM's.
 *
 * Forward passes (token features, or `form: 'forward-passes'`): y_c^k is measured. One run holds
 * the image once with nothing ablated (y_c, through the same session) and once per channel with
 * channel k zeroed in every position, class token included (`context.ablate`: the model's tail
 * from the features on, or the whole model with a mask on them; see ablation-session.ts). Zero is
 * the paper's ablation; pytorch-grad-cam's AblationLayerVit writes min - 1e7 instead, which this
 * does not reproduce. `compat: 'pytorch-grad-cam'`: its AblationLayer zeroes a channel only where
 * the layer's minimum is 0 (`if torch.min(output) == 0: output[i, self.indices[i], :] = 0`,
 * ablation_layer.py; ReLU features, the CNNs), where its weights (original - ablated) / original
 * are the paper's and this computes them; else it writes `torch.min(output) - ABLATION_VALUE`
 * (1e7, lowered again by each copy of the batch it writes), which is not reproduced: an image whose
 * features have another minimum is refused (CamError). Cost: C + 1 passes per image (e.g. 193 for a ViT-Tiny), in runs of
 * `batchSize`, shared by the image's classes; `maxChannels` bounds it.
 *
 * @example
 * const map = await new AblationCam().compute(context, target);
 */
export class AblationCam extends CamMethod {
  readonly maxChannels: number;
  readonly batchSize: number;
  readonly form: 'auto' | 'forward-passes';
  readonly compat: CamCompat;
  /** The last image's passes (see `measure`), for its other classes. */
  private last: { readonly input: Float32Array; readonly passes: Promise<Passes> } | undefined;

  constructor(options: AblationCamOptions = {}) {
    super();
    this.maxChannels = options.maxChannels ?? Number.POSITIVE_INFINITY;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
    this.form = options.form ?? 'auto';
    this.compat = options.compat ?? 'paper';
    if (!(this.maxChannels >= 1))
      throw new CamError(`Ablation-CAM maxChannels must be >= 1, got ${this.maxChannels}`);
  }

  protected channelWeights(context: CamContext, classIndex: number): Float32Array | Promise<Float32Array> {
    if (this.compat === 'pytorch-grad-cam') assertZeroMinimum(context.features);
    if (this.form === 'auto' && context.head.kind !== 'tokens') return closedFormWeights(context, classIndex);
    return this.measuredWeights(context, classIndex);
  }

  private async measuredWeights(context: CamContext, classIndex: number): Promise<Float32Array> {
    const { input, ablate, channels, head } = context;
    if (input === undefined || ablate === undefined) {
      throw new CamError('Ablation-CAM by forward passes needs the input tensor and an ablation session', {
        hint: 'compute it through CamModel.cam, which holds the model',
      });
    }
    // Compared by value, and measured on a copy: a caller may refill one buffer with the next image.
    if (this.last === undefined || !sameValues(this.last.input, input)) {
      const copy = input.slice();
      this.last = { input: copy, passes: this.measure(context, copy, ablate) };
    }
    const { selected, logits } = await this.last.passes;
    const classes = head.numClasses;
    const score = logits[classIndex]!; // pass 0: nothing ablated
    const weights = new Float32Array(channels);
    if (score === 0) return weights;
    for (const [s, k] of selected.entries()) {
      weights[k] = (score - logits[(s + 1) * classes + classIndex]!) / score; // (y_c - y_c^k) / y_c
    }
    return weights;
  }

  /**
   * The logits [(1 + selected) * C] of the passes: pass 0 ablates nothing (y_c, through the same
   * session), pass 1 + s ablates channel selected[s]. They hold every class, so the image's other
   * targets reuse them.
   */
  private async measure(context: CamContext, input: Float32Array, ablate: AblatedScores): Promise<Passes> {
    const { channels, head } = context;
    const selected = strongestChannels(context, this.maxChannels);
    const passes = selected.length + 1;
    const logits = new Float32Array(passes * head.numClasses);
    for (let start = 0; start < passes; start += this.batchSize) {
      const count = Math.min(this.batchSize, passes - start);
      const masks = new Float32Array(count * channels).fill(1);
      for (let b = 0; b < count; b++) if (start + b > 0) masks[b * channels + selected[start + b - 1]!] = 0;
      logits.set(await ablate(input, masks, count), start * head.numClasses);
    }
    return { selected, logits };
  }
}

/** pytorch-grad-cam's zero ablation needs `torch.min(output) == 0`; any other minimum is refused. */
function assertZeroMinimum(features: Float32Array): void {
  let lo = Number.POSITIVE_INFINITY;
  for (let i = 0; i < features.length; i++) if (features[i]! < lo) lo = features[i]!;
  if (lo === 0) return;
  throw new CamError(
    `\`compat: pytorch-grad-cam\`: the layer's minimum is ${lo}, not 0, so pytorch-grad-cam ablates with min - 1e7, which is not reproduced`,
    { hint: 'use `compat: paper` (zero ablation), or a layer after a ReLU' },
  );
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The weights from the head alone: GAP-linear and class-map heads. */
function closedFormWeights(context: CamContext, classIndex: number): Float32Array {
  const row = classWeightRow(context, classIndex);
  if (context.head.kind === 'class-map') return Float32Array.from(row);
  const size = context.width * context.height;
  const sums = channelSums(context);
  const drops = Float64Array.from(row, (w, k) => (w * sums[k]!) / size); // y_c - y_c^k
  const score = logit(context, classIndex, drops);
  return Float32Array.from(drops, (drop) => (score === 0 ? 0 : drop / score));
}

/** y_c: the head applied to the features when its bias is known, else the model's score. */
function logit(context: CamContext, classIndex: number, drops: Float64Array): number {
  const { bias } = context.head;
  if (bias !== undefined) return drops.reduce((sum, drop) => sum + drop, bias?.[classIndex] ?? 0);
  if (context.probabilities === true) {
    throw new CamError('Ablation-CAM needs the class logit: the model ends in a Softmax', {
      hint: 'give the head with its bias (CamHead from detectCamHead), or use another method',
    });
  }
  return context.scores[classIndex]!;
}
