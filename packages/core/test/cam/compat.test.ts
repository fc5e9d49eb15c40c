/**
 * `--compat pytorch-grad-cam | torch-cam`: each variant differs from the paper's form exactly
 * as documented, shown on tiny problems where the difference is large.
 */
import { describe, expect, it } from 'vitest';
import { Cam, type CamContext, GradCamPlusPlus, ScoreCam, softmaxAt } from '../../src/cam/index.js';
import { contextOf, expectClose, maxDifference } from './context.js';
import { numericGradient, pixelWeightedMap, randomProblem, reluMinMax } from './slow-twins.js';

describe('pytorch-grad-cam: Grad-CAM++ with eps = 1e-6 in the denominator', () => {
  it('follows g^2 / (2 g^2 + sum F g^3 + 1e-6) and departs from the paper for tiny weights', async () => {
    const problem = randomProblem(3, 6, 5, 4, 3);
    for (let i = 0; i < problem.weights.length; i++) problem.weights[i] = problem.weights[i]! * 1e-4;
    const size = problem.width * problem.height;
    const context = contextOf(problem);
    let departure = 0;
    for (let c = 0; c < problem.classes; c++) {
      const grad = numericGradient(problem, c);
      const weight = (k: number) => {
        let total = 0;
        for (let p = 0; p < size; p++) total += problem.features[k * size + p]!;
        let w = 0;
        for (let p = 0; p < size; p++) {
          const g = grad[k * size + p]!;
          w += ((g * g) / (2 * g * g + total * g ** 3 + 1e-6)) * Math.max(0, g);
        }
        return w;
      };
      const compat = await new GradCamPlusPlus({ compat: 'pytorch-grad-cam' }).compute(context, c);
      expectClose(compat.data, reluMinMax(pixelWeightedMap(problem, weight)), 1e-3);
      const paper = await new GradCamPlusPlus().compute(context, c);
      departure = Math.max(departure, maxDifference(compat.data, paper.data));
    }
    // eps dominates 2 g^2 ~ 5e-11: weights go as g^3 instead of g.
    expect(departure).toBeGreaterThan(0.05);
  });
});

describe('pytorch-grad-cam: Score-CAM', () => {
  it('masks with align_corners=True and max - min + 1e-8, softmax over channels of the raw logit', async () => {
    const problem = randomProblem(21, 5, 4, 4, 3);
    const input = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i) + 0.5);
    const projection = Float32Array.from({ length: 3 * 3 * 64 }, (_, i) => Math.cos(i * 0.37));
    const logits = (masked: ArrayLike<number>) =>
      Float32Array.from({ length: 3 }, (_, c) => {
        let s = 0;
        for (let i = 0; i < 192; i++) s += masked[i]! * projection[c * 192 + i]!;
        return s / 50;
      });
    const forward = async (batch: Float32Array, count: number) => {
      const out = new Float32Array(count * 3);
      for (let b = 0; b < count; b++) out.set(logits(batch.subarray(b * 192, (b + 1) * 192)), b * 3);
      return out;
    };
    const context = { ...contextOf(problem), input, inputWidth: 8, inputHeight: 8, forward };
    // UpsamplingBilinear2d 4 -> 8: source position x * 3/7, corners on corners.
    const upsample = (k: number) =>
      Float64Array.from({ length: 64 }, (_, p) => {
        const [fy, fx] = [(Math.floor(p / 8) * 3) / 7, ((p % 8) * 3) / 7];
        const [y0, x0] = [Math.floor(fy), Math.floor(fx)];
        const [y1, x1] = [Math.min(y0 + 1, 3), Math.min(x0 + 1, 3)];
        const at = (y: number, x: number) => problem.features[k * 16 + y * 4 + x]!;
        const top = at(y0, x0) * (1 - (fx - x0)) + at(y0, x1) * (fx - x0);
        const bottom = at(y1, x0) * (1 - (fx - x0)) + at(y1, x1) * (fx - x0);
        return top * (1 - (fy - y0)) + bottom * (fy - y0);
      });
    const raw = Float32Array.from({ length: 5 }, (_, k) => {
      const up = upsample(k);
      const lo = Math.min(...up);
      const hi = Math.max(...up);
      return logits(input.map((v, i) => (v * (up[i % 64]! - lo)) / (hi - lo + 1e-8)))[1]!;
    });
    const expected = pixelWeightedMap(problem, (k) => softmaxAt(raw, k));
    const compat = await new ScoreCam({ compat: 'pytorch-grad-cam' }).compute(context, 1, 'none');
    expectClose(compat.data, expected, 1e-5);
    const paper = await new ScoreCam().compute(context, 1, 'none');
    expect(maxDifference(compat.data, paper.data)).toBeGreaterThan(1e-3);
  });
});

describe('torch-cam: CAM without ReLU', () => {
  it('min-maxes the raw map, keeping negative evidence', async () => {
    const context: CamContext = contextOf(randomProblem(3));
    const compat = await new Cam({ compat: 'torch-cam' }).compute(context, 0, 'relu-minmax');
    const minmax = await new Cam().compute(context, 0, 'minmax');
    expect(Array.from(compat.data)).toEqual(Array.from(minmax.data));
    const paper = await new Cam().compute(context, 0, 'relu-minmax');
    expect(maxDifference(compat.data, paper.data)).toBeGreaterThan(0.01);
  });
});
