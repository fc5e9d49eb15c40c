import { describe, expect, it } from 'vitest';
import {
  Cam,
  type CamContext,
  EigenCam,
  GradCam,
  GradCamPlusPlus,
  LayerCam,
  ScoreCam,
  softmaxAt,
  XGradCam,
} from '../../src/cam/index.js';
import { resampleScoreMap } from '../../src/resample.js';
import { scoreMap } from '../../src/scoremap.js';
import { contextOf, expectClose } from './context.js';
import { numericGradient, pixelWeightedMap, randomProblem, reluMinMax } from './slow-twins.js';

const seeds = [1, 7, 42, 1234, 99991];

describe('closed forms on a GAP-linear head equal the papers’ gradient definitions', () => {
  for (const seed of seeds) {
    const problem = randomProblem(seed);
    const size = problem.width * problem.height;
    for (let c = 0; c < problem.classes; c++) {
      const grad = numericGradient(problem, c);
      const channelSum = (k: number) => {
        let s = 0;
        for (let p = 0; p < size; p++) s += problem.features[k * size + p]!;
        return s;
      };

      it(`CAM = sum_k W[c,k] F_k (seed ${seed}, class ${c})`, async () => {
        const map = await new Cam().compute(contextOf(problem), c, 'none');
        expectClose(
          map.data,
          pixelWeightedMap(problem, (k) => problem.weights[c * problem.channels + k]!),
        );
      });

      it(`Grad-CAM: mean gradient weights (seed ${seed}, class ${c})`, async () => {
        const alpha = (k: number) => {
          let s = 0;
          for (let p = 0; p < size; p++) s += grad[k * size + p]!;
          return s / size;
        };
        const map = await new GradCam().compute(contextOf(problem), c, 'none');
        expectClose(map.data, pixelWeightedMap(problem, alpha), 1e-5);
      });

      it(`Grad-CAM++ with the exponential score (seed ${seed}, class ${c})`, async () => {
        const weight = (k: number) => {
          let w = 0;
          for (let p = 0; p < size; p++) {
            const g = grad[k * size + p]!;
            const denominator = 2 * g * g + channelSum(k) * g * g * g;
            const alpha = denominator === 0 ? 0 : (g * g) / denominator;
            w += alpha * Math.max(0, g);
          }
          return w;
        };
        const map = await new GradCamPlusPlus().compute(contextOf(problem), c, 'relu-minmax');
        expectClose(map.data, reluMinMax(pixelWeightedMap(problem, weight)), 1e-3);
      });

      it(`XGrad-CAM: activation-weighted gradients (seed ${seed}, class ${c})`, async () => {
        const weight = (k: number) => {
          const total = channelSum(k);
          if (total === 0) return 0;
          let w = 0;
          for (let p = 0; p < size; p++) w += (problem.features[k * size + p]! / total) * grad[k * size + p]!;
          return w;
        };
        const map = await new XGradCam().compute(contextOf(problem), c, 'none');
        expectClose(map.data, pixelWeightedMap(problem, weight), 1e-5);
      });

      it(`Layer-CAM: pixel-wise relu(gradient) (seed ${seed}, class ${c})`, async () => {
        const map = await new LayerCam().compute(contextOf(problem), c, 'none');
        expectClose(
          map.data,
          pixelWeightedMap(problem, (k, p) => Math.max(0, grad[k * size + p]!)),
          1e-5,
        );
      });
    }
  }
});

describe('class-map heads', () => {
  it('CAM of class c is channel c', async () => {
    const problem = randomProblem(5, 4, 3, 3, 4);
    const context: CamContext = {
      ...contextOf(problem),
      head: { kind: 'class-map', channels: 4, numClasses: 4, weights: null },
    };
    const map = await new Cam().compute(context, 2, 'none');
    expect(Array.from(map.data)).toEqual(Array.from(problem.features.subarray(2 * 9, 3 * 9)));
  });
});

describe('normalisation and validation', () => {
  it('relu-minmax gives [0,1] with a 0 and a 1; minmax keeps negative evidence ordered', async () => {
    const problem = randomProblem(3);
    const relu = await new Cam().compute(contextOf(problem), 0, 'relu-minmax');
    const plain = await new Cam().compute(contextOf(problem), 0, 'minmax');
    const raw = await new Cam().compute(contextOf(problem), 0, 'none');
    expect(Math.max(...relu.data)).toBeCloseTo(1, 6);
    expect(Math.min(...plain.data)).toBe(0);
    const order = (a: Float32Array) => Array.from(a.keys()).sort((i, j) => a[i]! - a[j]! || i - j);
    expect(order(plain.data)).toEqual(order(raw.data));
  });

  it('an all-negative CAM becomes all zeros under relu-minmax, not NaN', async () => {
    const problem = randomProblem(11);
    problem.weights.fill(-1);
    const map = await new Cam().compute(contextOf(problem), 1, 'relu-minmax');
    expect(Array.from(map.data).every((v) => v === 0)).toBe(true);
  });

  it('refuses mismatched shapes and out-of-range classes with CamError', async () => {
    const problem = randomProblem(2);
    await expect(new Cam().compute(contextOf(problem), 3)).rejects.toThrow(/class index 3 is outside 0..2/);
    const bad = { ...contextOf(problem), channels: 5 };
    await expect(new Cam().compute(bad, 0)).rejects.toThrow(/feature map holds/);
  });
});

describe('Score-CAM', () => {
  it('weights each channel by the softmax score of the masked input', async () => {
    const problem = randomProblem(21, 5, 4, 4, 3);
    const inputWidth = 8;
    const inputHeight = 8;
    const input = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i) + 0.5);
    // A model over the input: class c scores a fixed linear function of the pixels.
    const projection = Float32Array.from({ length: 3 * 3 * 64 }, (_, i) => Math.cos(i * 0.37));
    const calls: number[] = [];
    const forward = async (batch: Float32Array, count: number) => {
      calls.push(count);
      const out = new Float32Array(count * 3);
      for (let b = 0; b < count; b++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let i = 0; i < 192; i++) s += batch[b * 192 + i]! * projection[c * 192 + i]!;
          out[b * 3 + c] = s / 50;
        }
      }
      return out;
    };
    const context = { ...contextOf(problem), input, inputWidth, inputHeight, forward };
    const map = await new ScoreCam({ batchSize: 2 }).compute(context, 1, 'none');

    const expected = pixelWeightedMap(problem, (k) => {
      const channel = problem.features.slice(k * 16, (k + 1) * 16);
      const mask = resampleScoreMap(scoreMap(4, 4, channel), 8, 8, 'bilinear').data;
      const lo = Math.min(...mask);
      const hi = Math.max(...mask);
      const masked = input.map((v, i) => (hi > lo ? v * ((mask[i % 64]! - lo) / (hi - lo)) : 0));
      const scores = Float32Array.from({ length: 3 }, (_, c) => {
        let s = 0;
        for (let i = 0; i < 192; i++) s += masked[i]! * projection[c * 192 + i]!;
        return s / 50;
      });
      return softmaxAt(scores, 1);
    });
    expectClose(map.data, expected, 1e-4);
    expect(calls).toEqual([2, 2, 1]);
  });

  it('caps the forward passes at maxChannels, keeping the strongest channels', async () => {
    const problem = randomProblem(8, 6, 2, 2, 2);
    let passes = 0;
    const forward = async (_batch: Float32Array, count: number) => {
      passes += count;
      return new Float32Array(count * 2).fill(1);
    };
    const context = {
      ...contextOf(problem),
      input: new Float32Array(3 * 16).fill(1),
      inputWidth: 4,
      inputHeight: 4,
      forward,
    };
    await new ScoreCam({ maxChannels: 3 }).compute(context, 0, 'none');
    expect(passes).toBe(3);
  });

  it('says what it needs when called without a forward function', async () => {
    await expect(new ScoreCam().compute(contextOf(randomProblem(4)), 0)).rejects.toThrow(
      /needs the input tensor/,
    );
  });
});

describe('Eigen-CAM', () => {
  it('recovers the spatial pattern of rank-one features', async () => {
    const width = 6;
    const height = 5;
    const pattern = Float32Array.from({ length: 30 }, (_, p) =>
      Math.exp(-(((p % 6) - 2) ** 2) / 4 - (Math.floor(p / 6) - 3) ** 2 / 3),
    );
    const loadings = [0.5, 2, 1.5, 0.1, 3];
    const features = new Float32Array(5 * 30);
    loadings.forEach((a, k) => {
      for (let p = 0; p < 30; p++) features[k * 30 + p] = a * pattern[p]!;
    });
    const context: CamContext = {
      features,
      channels: 5,
      width,
      height,
      scores: new Float32Array(2),
      head: { kind: 'gap-linear', channels: 5, numClasses: 2, weights: new Float32Array(10) },
    };
    const map = await new EigenCam().compute(context, 0, 'minmax');
    const lo = Math.min(...pattern);
    const hi = Math.max(...pattern);
    expectClose(
      map.data,
      Array.from(pattern, (v) => (v - lo) / (hi - lo)),
      1e-4,
    );
  });

  it('finds the direction of largest variance (no unit vector does better)', async () => {
    const problem = randomProblem(17, 7, 6, 6, 2);
    const context = contextOf(problem);
    const map = await new EigenCam().compute(context, 0, 'none');
    const variance = (values: ArrayLike<number>) => {
      const n = values.length;
      let mean = 0;
      for (let i = 0; i < n; i++) mean += values[i]!;
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (values[i]! - mean) ** 2;
      return v;
    };
    const best = variance(map.data);
    for (let trial = 0; trial < 200; trial++) {
      const u = Array.from({ length: 7 }, (_, k) => Math.sin(trial * 7.1 + k * 3.3));
      const norm = Math.hypot(...u);
      const projected = pixelWeightedMap(problem, (k) => u[k]! / norm);
      expect(variance(projected)).toBeLessThanOrEqual(best * (1 + 1e-6));
    }
  });
});
