/**
 * Slow twins of the reference libraries' arithmetic (pytorch-grad-cam 084273b, torch-cam f44afef),
 * written line by line from their Python in float64, so each `--compat` form is checked against
 * what the library computes rather than against itself. The Python line each twin follows is
 * quoted beside it. A toy two-stage model stands in for the network: an input [3,8,8], a CAM layer
 * [K,4,4] = relu of a 2x2-block projection, and a GAP-linear head.
 */
import { rng } from '../../../../test-support/random.js';

export const IN = 8;
export const GRID = 4;

export interface ToyModel {
  readonly channels: number;
  readonly classes: number;
  /** [K*3] projection of each 2x2 block's channel sums, and [K] its bias. */
  readonly projection: Float64Array;
  readonly layerBias: Float64Array;
  /** The head: [C*K] weights and [C] bias. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

export function toyModel(seed: number, channels = 5, classes = 3): ToyModel {
  const next = rng(seed);
  return {
    channels,
    classes,
    projection: Float64Array.from({ length: channels * 3 }, () => next() * 2 - 1),
    layerBias: Float64Array.from({ length: channels }, () => next() * 0.6 - 0.3),
    weights: Float32Array.from({ length: classes * channels }, () => next() * 2 - 1),
    bias: Float32Array.from({ length: classes }, () => next() - 0.5),
  };
}

export function toyInput(seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: 3 * IN * IN }, () => next() * 2 - 1);
}

/** The CAM layer's activations [K,4,4] of one input (float32, as a session returns them). */
export function toyFeatures(model: ToyModel, input: ArrayLike<number>): Float32Array {
  const out = new Float32Array(model.channels * GRID * GRID);
  for (let k = 0; k < model.channels; k++) {
    for (let y = 0; y < GRID; y++) {
      for (let x = 0; x < GRID; x++) {
        let v = model.layerBias[k]!;
        for (let c = 0; c < 3; c++) {
          let block = 0;
          for (const [dy, dx] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ] as const)
            block += input[c * IN * IN + (2 * y + dy) * IN + 2 * x + dx]!;
          v += model.projection[k * 3 + c]! * block;
        }
        out[k * GRID * GRID + y * GRID + x] = Math.max(0, v);
      }
    }
  }
  return out;
}

/** The head on activations: Y_c = sum_k W[c,k] mean(A_k) + b_c. */
export function toyHead(model: ToyModel, features: ArrayLike<number>): Float32Array {
  const size = GRID * GRID;
  return Float32Array.from({ length: model.classes }, (_, c) => {
    let y = model.bias[c]!;
    for (let k = 0; k < model.channels; k++) {
      let sum = 0;
      for (let p = 0; p < size; p++) sum += features[k * size + p]!;
      y += (model.weights[c * model.channels + k]! * sum) / size;
    }
    return y;
  });
}

/** `self.model(x)` on a batch [n,3,8,8]: the logits [n*C]. */
export function toyForward(model: ToyModel, batch: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * model.classes);
  const plane = 3 * IN * IN;
  for (let b = 0; b < count; b++)
    out.set(
      toyHead(model, toyFeatures(model, batch.subarray(b * plane, (b + 1) * plane))),
      b * model.classes,
    );
  return out;
}

/** d Y_c / d A (autograd through the GAP-linear head): W[c,k] / (h w) at every position. */
export function headGradient(model: ToyModel, c: number): Float64Array {
  const size = GRID * GRID;
  return Float64Array.from(
    { length: model.channels * size },
    (_, i) => model.weights[c * model.channels + Math.floor(i / size)]! / size,
  );
}

// ---- shared pieces of the libraries ----

/** `cv2.resize(img, (outW, outH))`, INTER_LINEAR: half-pixel centres, edge samples clamped. */
export function cv2ResizeLinear(
  img: ArrayLike<number>,
  width: number,
  height: number,
  outW: number,
  outH: number,
): Float64Array {
  const axis = (out: number, size: number) =>
    Array.from({ length: out }, (_, d) => {
      let f = (d + 0.5) * (size / out) - 0.5;
      let s = Math.floor(f);
      f -= s;
      if (s < 0) [s, f] = [0, 0];
      if (s >= size - 1) [s, f] = [size - 1, 0];
      return [s, Math.min(s + 1, size - 1), f] as const;
    });
  const xs = axis(outW, width);
  const ys = axis(outH, height);
  const out = new Float64Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const [y0, y1, fy] = ys[y]!;
    for (let x = 0; x < outW; x++) {
      const [x0, x1, fx] = xs[x]!;
      const top = img[y0 * width + x0]! * (1 - fx) + img[y0 * width + x1]! * fx;
      const bottom = img[y1 * width + x0]! * (1 - fx) + img[y1 * width + x1]! * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * torch's `F.interpolate(x, size, mode="bilinear", align_corners=False)` when upsampling: its
 * source index max(0, scale * (dst + 0.5) - 0.5) (area_pixel_compute_source_index) gives cv2's taps.
 */
export const torchBilinear = cv2ResizeLinear;

/** pytorch-grad-cam utils/image.py `scale_cam_image(cam, target_size)` on one image. */
export function scaleCamImage(
  img: ArrayLike<number>,
  width: number,
  height: number,
  target?: readonly [number, number],
): Float64Array {
  const min = Math.min(...Array.from(img));
  let out = Float64Array.from(img, (v) => v - min); // img = img - np.min(img)
  const max = Math.max(...out);
  out = out.map((v) => v / (1e-7 + max)); // img = img / (1e-7 + np.max(img))
  // img = cv2.resize(np.float32(img), target_size)
  return target === undefined ? out : cv2ResizeLinear(out, width, height, target[0], target[1]);
}

/**
 * pytorch-grad-cam base_cam.py after `get_cam_image`, one target layer: `cam = np.maximum(cam, 0)`,
 * `scaled = scale_cam_image(cam, target_size)` (compute_cam_per_layer), then aggregate_multi_layers:
 * `np.maximum(..., 0)`, `np.mean(..., axis=1)` and `return scale_cam_image(result)`: the second
 * min-max, after the resize, that `compatAfterResize` reproduces.
 */
export function pytorchGradCamOutput(
  cam: ArrayLike<number>,
  width: number,
  height: number,
  target: readonly [number, number],
): Float64Array {
  const relu = Float64Array.from(cam, (v) => Math.max(0, v));
  const scaled = scaleCamImage(relu, width, height, target);
  const aggregated = scaled.map((v) => Math.max(0, v)); // mean over one layer: itself
  return scaleCamImage(aggregated, target[0], target[1]);
}

/** torch-cam core.py `_normalize`: `cams.sub_(min)`, `cams.div_(max + eps)`, eps = 1e-8. */
export function torchCamNormalize(cam: ArrayLike<number>): Float64Array {
  const min = Math.min(...Array.from(cam));
  const out = Float64Array.from(cam, (v) => v - min);
  const max = Math.max(...out);
  return out.map((v) => v / (max + 1e-8));
}

/** torch-cam `compute_cams`: `torch.nansum(weight * activation, dim=1)`, ReLU, `_normalize`. */
export function torchCamMap(weights: ArrayLike<number>, activation: ArrayLike<number>, channels: number) {
  const size = activation.length / channels;
  const cam = new Float64Array(size);
  for (let k = 0; k < channels; k++)
    for (let p = 0; p < size; p++) cam[p] = cam[p]! + weights[k]! * activation[k * size + p]!;
  return torchCamNormalize(cam.map((v) => Math.max(0, v))); // if self._relu: F.relu
}

export function softmax(values: ArrayLike<number>): Float64Array {
  const max = Math.max(...Array.from(values));
  const exps = Float64Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}
