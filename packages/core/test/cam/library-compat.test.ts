/**
 * Issue 31: each `--compat` form against a twin of its library's arithmetic (library-twins.ts),
 * to 1e-5, and the paper's form kept under `--compat paper`. The line that makes the library
 * depart from the paper is quoted beside each case.
 */
import { describe, expect, it } from 'vitest';
import {
  AblationCam,
  type CamContext,
  compatAfterResize,
  GradCam,
  GradCamPlusPlus,
  IsCam,
  ScoreCam,
  SmoothGradCamPlusPlus,
  SsCam,
  strongestChannels,
} from '../../src/cam/index.js';
import { camMethodNeeds, checkCamCompat, createCamMethod } from '../../src/cam/registry.js';
import { SeededRandom } from '../../src/random.js';
import { resampleScoreMap } from '../../src/resample.js';
import { maxDifference } from './context.js';
import {
  GRID,
  headGradient,
  IN,
  pytorchGradCamOutput,
  softmax,
  type ToyModel,
  torchBilinear,
  torchCamMap,
  torchCamNormalize,
  toyFeatures,
  toyForward,
  toyHead,
  toyInput,
  toyModel,
} from './library-twins.js';

const SIZE = GRID * GRID;
// An even ratio (8), as 7 -> 224 (32): no output pixel centre falls on a grid cell centre.
const OUT = [32, 32] as const;

function toyContext(model: ToyModel, input: Float32Array): CamContext {
  const features = toyFeatures(model, input);
  const plane = 3 * IN * IN;
  return {
    features,
    channels: model.channels,
    width: GRID,
    height: GRID,
    head: {
      kind: 'gap-linear',
      channels: model.channels,
      numClasses: model.classes,
      weights: model.weights,
      bias: model.bias,
    },
    scores: toyHead(model, features),
    input,
    inputWidth: IN,
    inputHeight: IN,
    forward: async (batch, count) => toyForward(model, batch, count),
    forwardFeatures: async (batch, count) => {
      const out = new Float32Array(count * model.channels * SIZE);
      for (let b = 0; b < count; b++)
        out.set(toyFeatures(model, batch.subarray(b * plane, (b + 1) * plane)), b * model.channels * SIZE);
      return out;
    },
  };
}

/** sum_k w_k A_k on the grid. */
function weighted(weights: ArrayLike<number>, activation: ArrayLike<number>, channels: number): Float64Array {
  const cam = new Float64Array(SIZE);
  for (let k = 0; k < channels; k++)
    for (let p = 0; p < SIZE; p++) cam[p]! += weights[k]! * activation[k * SIZE + p]!;
  return cam;
}

const model = toyModel(31);
const input = toyInput(7);

describe('pytorch-grad-cam: the map is min-maxed again after the resize (item 1)', () => {
  it('equals base_cam.py scale_cam_image -> cv2.resize -> scale_cam_image to 1e-5; the paper does not', async () => {
    const context = toyContext(model, input);
    let departure = 0;
    for (let c = 0; c < model.classes; c++) {
      // Grad-CAM's weights: np.mean(grads, axis=(2, 3)) of autograd's gradient.
      const grads = headGradient(model, c);
      const weights = Array.from({ length: model.channels }, (_, k) => grads[k * SIZE]!);
      const library = pytorchGradCamOutput(
        weighted(weights, context.features, model.channels),
        GRID,
        GRID,
        OUT,
      );
      const grid = await new GradCam().compute(context, c);
      const resized = resampleScoreMap(grid, OUT[0], OUT[1], 'bilinear');
      const paper = Float32Array.from(resized.data);
      // `return scale_cam_image(result)` (aggregate_multi_layers): the second min-max.
      const compat = compatAfterResize(resized, 'pytorch-grad-cam');
      expect(maxDifference(compat.data, library)).toBeLessThan(1e-5);
      departure = Math.max(departure, maxDifference(paper, library));
      // The paper's form (and torch-cam's) leave the resized map as it is.
      const same = resampleScoreMap(grid, OUT[0], OUT[1], 'bilinear');
      expect(Array.from(compatAfterResize(same, 'paper').data)).toEqual(Array.from(paper));
      expect(Array.from(compatAfterResize(same, 'pytorch-grad-cam', 'none').data)).toEqual(Array.from(paper));
    }
    expect(departure).toBeGreaterThan(1e-3);
  });
});

describe('torch-cam: GradCAMpp keeps alpha = g^2 (item 2)', () => {
  /** gradient.py GradCAMpp._get_weights, then compute_cams. */
  function library(activation: Float32Array, grad: Float64Array): Float64Array {
    const K = model.channels;
    const grad2 = grad.map((g) => g ** 2); // grad_2 = [grad.pow(2) ...]
    const grad3 = grad2.map((g2, i) => g2 * grad[i]!); // grad_3 = [g2 * grad ...]
    const denom = grad2.map((g2, i) => {
      const k = Math.floor(i / SIZE);
      let sum = 0;
      for (let p = 0; p < SIZE; p++) sum += grad3[k * SIZE + p]! * activation[k * SIZE + p]!;
      return 2 * g2 + sum; // 2 * g2 + (g3 * act).flatten(2).sum(-1)[...]
    });
    const alpha = grad2; // alpha = grad_2
    // `alpha[idx][mask].div_(d[mask] + eps)`: boolean indexing copies, so the division never
    // reaches alpha; the copy is made and dropped.
    const copy = alpha
      .filter((g2) => g2 > 0)
      .map((v, j) => v / (denom.filter((_, i) => alpha[i]! > 0)[j]! + 1e-8));
    expect(copy.length).toBeGreaterThan(0);
    // a.mul_(torch.relu(grad)).flatten(2).sum(-1)
    const weights = Array.from({ length: K }, (_, k) => {
      let w = 0;
      for (let p = k * SIZE; p < (k + 1) * SIZE; p++) w += alpha[p]! * Math.max(0, grad[p]!);
      return w;
    });
    return torchCamMap(weights, activation, K);
  }

  it('closed and backprop forms equal the library to 1e-5; --compat paper keeps the paper alphas', async () => {
    const context = toyContext(model, input);
    let departure = 0;
    for (let c = 0; c < model.classes; c++) {
      const grad = headGradient(model, c);
      const expected = library(context.features, grad);
      const method = new GradCamPlusPlus({ compat: 'torch-cam' });
      const closed = await method.compute(context, c);
      expect(maxDifference(closed.data, expected)).toBeLessThan(1e-5);
      const backprop = await method.compute({ ...context, gradients: Float32Array.from(grad) }, c);
      expect(maxDifference(backprop.data, expected)).toBeLessThan(1e-5);
      // The paper: alpha = g^2 / (2 g^2 + sum F g^3), w = sum alpha relu(g).
      const paperWeights = Array.from({ length: model.channels }, (_, k) => {
        const g = grad[k * SIZE]!;
        let S = 0;
        for (let p = 0; p < SIZE; p++) S += context.features[k * SIZE + p]!;
        return g > 0 ? (SIZE * g * g * g) / (2 * g * g + S * g ** 3) : 0;
      });
      const paperMap = weighted(paperWeights, context.features, model.channels).map((v) => Math.max(0, v));
      const [lo, hi] = [Math.min(...paperMap), Math.max(...paperMap)];
      const paper = await new GradCamPlusPlus().compute(context, c);
      expect(
        maxDifference(
          paper.data,
          paperMap.map((v) => (v - lo) / (hi - lo)),
        ),
      ).toBeLessThan(1e-5);
      departure = Math.max(departure, maxDifference(paper.data, expected));
    }
    expect(departure).toBeGreaterThan(1e-3);
  });
});

describe('torch-cam: SmoothGradCAMpp weights the last noisy pass (item 3)', () => {
  /** gradient.py SmoothGradCAMpp._compute_smoothgrad_weights, then compute_cams on self.hook_a. */
  function library(samples: number, std: number, seed: number, c: number): Float64Array {
    const K = model.channels;
    const initFmap = toyFeatures(model, input); // init_fmap = [act.clone() ...]
    const grad2 = new Float64Array(K * SIZE);
    const grad3 = new Float64Array(K * SIZE);
    // The noise stream the tool documents: SeededRandom(seed).normal() * std, pass after pass.
    const noise = new SeededRandom(seed);
    let hookA = initFmap;
    let hookG: Float64Array = new Float64Array(0);
    for (let t = 0; t < samples; t++) {
      const noisy = input.map((v) => v + std * noise.normal()); // self._input + self._distrib.sample(...)
      hookA = toyFeatures(model, noisy); // the forward hook overwrites self.hook_a
      hookG = headGradient(model, c); // self._backprop(out, class_idx)
      for (let i = 0; i < grad2.length; i++) {
        grad2[i]! += hookG[i]! ** 2; // g2.add_(grad.pow(2))
        grad3[i]! += hookG[i]! ** 3; // g3.add_(grad.pow(3))
      }
    }
    const weights = Array.from({ length: K }, (_, k) => {
      let acted = 0;
      for (let p = k * SIZE; p < (k + 1) * SIZE; p++) acted += (grad3[p]! / samples) * initFmap[p]!;
      let w = 0;
      for (let p = k * SIZE; p < (k + 1) * SIZE; p++) {
        const g2 = grad2[p]! / samples;
        const alpha = g2 / (2 * g2 + acted + 1e-8); // g2 / (2 * g2 + (g3 * act)... + eps)
        w += alpha * Math.max(0, hookG[p]!); // a.mul_(torch.relu(grad))
      }
      return w;
    });
    // compute_cams: `activations = cast(list[Tensor], self.hook_a)`: the last noisy pass's.
    return torchCamMap(weights, hookA, K);
  }

  it('equals the library for three seeds to 1e-5; --compat paper stays Grad-CAM++', async () => {
    const context = toyContext(model, input);
    let departure = 0;
    for (const seed of [0, 1, 2]) {
      for (let c = 0; c < model.classes; c++) {
        const method = new SmoothGradCamPlusPlus({ compat: 'torch-cam', samples: 4, sigma: 0.3, seed });
        const map = await method.compute(context, c);
        expect(maxDifference(map.data, library(4, 0.3, seed, c))).toBeLessThan(1e-5);
        const paper = await new SmoothGradCamPlusPlus().compute(context, c);
        const gradCamPP = await new GradCamPlusPlus().compute(context, c);
        expect(Array.from(paper.data)).toEqual(Array.from(gradCamPP.data));
        departure = Math.max(departure, maxDifference(paper.data, map.data));
      }
    }
    expect(departure).toBeGreaterThan(1e-3);
    // The torch-cam form needs the noisy pass; without it the method says so.
    const { forwardFeatures: _, ...bare } = context;
    await expect(new SmoothGradCamPlusPlus({ compat: 'torch-cam' }).compute(bare, 0)).rejects.toThrow(
      /noisy pass/,
    );
    expect(camMethodNeeds('smoothgradcampp', 'forward-passes', 'gap-linear', 'torch-cam')).toBe(true);
    expect(camMethodNeeds('smoothgradcampp', 'forward-passes', 'gap-linear')).toBe(false);
  });
});

describe('torch-cam: the Score-CAM family (item 4)', () => {
  const context = toyContext(model, input);
  const K = model.channels;
  // upsampled_a = [self._normalize(act.clone(), act.ndim - 2) ...], then F.interpolate(bilinear).
  const masks = Array.from({ length: K }, (_, k) =>
    torchBilinear(torchCamNormalize(context.features.subarray(k * SIZE, (k + 1) * SIZE)), GRID, GRID, IN, IN),
  );
  const logitOf = (masked: Float32Array, c: number) => toyForward(model, masked, 1)[c]!;
  const masked = (mask: ArrayLike<number>, scale = 1) =>
    Float32Array.from(input, (v, i) => scale * (mask[i % (IN * IN)]! * v)); // coeff * (masks * input)

  /** activation.py `_get_score_weights` of each class, as `sample(k, i)` gives pass i of channel k. */
  function library(c: number, samples: number, sample: (k: number, i: number) => Float32Array): Float64Array {
    const baseline = logitOf(input, c); // baseline_scores = self._select_scores(self.model(self._input))
    const weight = new Float64Array(K);
    for (let i = 0; i < samples; i++)
      for (let k = 0; k < K; k++) weight[k]! += logitOf(sample(k, i), c) - baseline; // chunk_scores - baseline_scores
    // torch.softmax(weight.div_(self.num_samples).view(...), -1): over the channels.
    return torchCamMap(softmax(weight.map((w) => w / samples)), context.features, K);
  }

  it('ScoreCAM: masks min-maxed on the grid, softmax over channels of logit - clean logit', async () => {
    let departure = 0;
    for (let c = 0; c < model.classes; c++) {
      const expected = library(c, 1, (k) => masked(masks[k]!));
      const map = await new ScoreCam({ compat: 'torch-cam', batchSize: 3 }).compute(context, c);
      expect(maxDifference(map.data, expected)).toBeLessThan(1e-5);
      departure = Math.max(
        departure,
        maxDifference((await new ScoreCam().compute(context, c)).data, expected),
      );
    }
    expect(departure).toBeGreaterThan(1e-3);
  });

  it('SSCAM: the same over noisy masks (the seeded stream replayed)', async () => {
    const [samples, sigma, seed] = [3, 0.5, 4];
    // The tool's stream: channel after channel (strongest first), sample after sample, [H,W] each.
    const noise = new SeededRandom(seed);
    const noisy = new Map<string, Float32Array>();
    for (const k of strongestChannels(context, K))
      for (let i = 0; i < samples; i++) {
        const mask = masks[k]!.map((m) => m + sigma * noise.normal()); // activation + noise
        noisy.set(`${k},${i}`, masked(mask));
      }
    for (let c = 0; c < model.classes; c++) {
      const expected = library(c, samples, (k, i) => noisy.get(`${k},${i}`)!);
      const map = await new SsCam({ compat: 'torch-cam', samples, sigma, seed, batchSize: 4 }).compute(
        context,
        c,
      );
      expect(maxDifference(map.data, expected)).toBeLessThan(1e-5);
    }
  });

  it('ISCAM: coefficients accumulate, coeff += (sidx + 1) / num_samples', async () => {
    const samples = 4;
    const coefficients: number[] = [];
    let coeff = 0;
    for (let sidx = 0; sidx < samples; sidx++) coefficients.push((coeff += (sidx + 1) / samples));
    expect(coefficients.at(-1)).toBeCloseTo(2.5, 12); // (N + 1) / 2, where the paper stops at 1
    let departure = 0;
    for (let c = 0; c < model.classes; c++) {
      const expected = library(c, samples, (k, i) => masked(masks[k]!, coefficients[i]!));
      const map = await new IsCam({ compat: 'torch-cam', samples, batchSize: 5 }).compute(context, c);
      expect(maxDifference(map.data, expected)).toBeLessThan(1e-5);
      const paper = await new IsCam({ samples }).compute(context, c);
      departure = Math.max(departure, maxDifference(paper.data, expected));
    }
    expect(departure).toBeGreaterThan(1e-3);
  });
});

describe('pytorch-grad-cam: AblationCAM where the numbers match (item 5)', () => {
  it('equals ablation_cam.py + base_cam.py to 1e-5 on ReLU features; refuses another minimum', async () => {
    const context = toyContext(model, input);
    expect(Math.min(...context.features)).toBe(0); // `if torch.min(output) == 0`: ReLU features
    expect(() => checkCamCompat('ablationcam', 'pytorch-grad-cam')).not.toThrow();
    for (let c = 0; c < model.classes; c++) {
      const original = toyHead(model, context.features)[c]!; // original_scores
      const ablated = Array.from({ length: model.channels }, (_, k) => {
        const output = context.features.slice();
        output.fill(0, k * SIZE, (k + 1) * SIZE); // output[i, self.indices[i], :] = 0
        return toyHead(model, output)[c]!;
      });
      const weights = ablated.map((score) => (original - score) / original); // (original - weights) / original
      const expected = pytorchGradCamOutput(
        weighted(weights, context.features, model.channels),
        GRID,
        GRID,
        OUT,
      );
      const method = createCamMethod('ablationcam', { compat: 'pytorch-grad-cam' });
      const grid = await method.compute(context, c);
      const map = compatAfterResize(resampleScoreMap(grid, OUT[0], OUT[1]), 'pytorch-grad-cam');
      expect(maxDifference(map.data, expected)).toBeLessThan(1e-5);
      // --compat paper: the same weights, the map min-maxed once.
      const paper = await new AblationCam().compute(context, c);
      expect(Array.from(paper.data)).toEqual(Array.from(grid.data));
    }
    const shifted = { ...context, features: context.features.map((v) => v - 0.25) };
    await expect(new AblationCam({ compat: 'pytorch-grad-cam' }).compute(shifted, 0)).rejects.toThrow(
      /min - 1e7/,
    );
  });
});
