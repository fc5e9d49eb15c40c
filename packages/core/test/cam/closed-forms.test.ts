/**
 * Ablation-CAM, HiResCAM and SmoothGrad-CAM++ are computed in closed form on GAP-linear heads;
 * each is checked here against its paper's general definition, evaluated the slow way.
 */
import { describe, expect, it } from 'vitest';
import {
  AblationCam,
  Cam,
  type CamContext,
  GradCamPlusPlus,
  HiResCam,
  SmoothGradCamPlusPlus,
} from '../../src/cam/index.js';
import { contextOf, expectClose, maxDifference } from './context.js';
import {
  headScore,
  numericGradient,
  type Problem,
  pixelWeightedMap,
  randomProblem,
  reluMinMax,
} from './slow-twins.js';

const seeds = [1, 7, 42, 1234];

describe('Ablation-CAM: w_k = (y_c - y_c^k) / y_c with channel k zeroed', () => {
  for (const seed of seeds) {
    const problem = randomProblem(seed);
    const size = problem.width * problem.height;
    for (let c = 0; c < problem.classes; c++) {
      it(`equals the ablation definition (seed ${seed}, class ${c})`, async () => {
        const score = headScore(problem, problem.features, c);
        const weight = (k: number) => {
          const ablated = Float64Array.from(problem.features);
          ablated.fill(0, k * size, (k + 1) * size);
          return (score - headScore(problem, ablated, c)) / score;
        };
        const map = await new AblationCam().compute(contextOf(problem), c, 'none');
        expectClose(map.data, pixelWeightedMap(problem, weight), 1e-4);
      });
    }
  }

  it('turns the map over with the sign of the logit, as the division by y_c does', async () => {
    const context = contextOf(randomProblem(5));
    const flipped = { ...context, scores: context.scores.map((v) => -v) };
    const map = await new AblationCam().compute(context, 0, 'none');
    const turned = await new AblationCam().compute(flipped, 0, 'none');
    expectClose(
      turned.data,
      Array.from(map.data, (v) => -v),
      1e-7,
    );
    expect(maxDifference(map.data, turned.data)).toBeGreaterThan(0);
  });

  it('is CAM on a class-map head and refuses a softmax-ended GAP-linear head', async () => {
    const problem = randomProblem(9, 3, 3, 3, 3);
    const classMap: CamContext = {
      ...contextOf(problem),
      head: { kind: 'class-map', channels: 3, numClasses: 3, weights: null },
    };
    const ablation = await new AblationCam().compute(classMap, 1, 'none');
    expect(Array.from(ablation.data)).toEqual(
      Array.from((await new Cam().compute(classMap, 1, 'none')).data),
    );
    await expect(
      new AblationCam().compute({ ...contextOf(problem), probabilities: true }, 0),
    ).rejects.toThrow(/needs the class logit/);
  });

  it('takes y_c from the features and the bias when the head has them (a Softmax then hides nothing)', async () => {
    const problem = randomProblem(13);
    const plain = contextOf(problem);
    const withBias: CamContext = {
      ...plain,
      probabilities: true,
      scores: new Float32Array(problem.classes).fill(1 / problem.classes),
      head: { ...plain.head, bias: problem.bias },
    };
    for (let c = 0; c < problem.classes; c++) {
      const fromScores = await new AblationCam().compute(plain, c, 'none');
      const fromBias = await new AblationCam().compute(withBias, c, 'none');
      expectClose(fromBias.data, fromScores.data, 1e-5);
    }
  });
});

describe('HiResCAM: sum_k dY_c/dF_k(i,j) F_k(i,j)', () => {
  for (const seed of seeds) {
    const problem = randomProblem(seed);
    const size = problem.width * problem.height;
    for (let c = 0; c < problem.classes; c++) {
      it(`equals gradient times activation, and CAM after min-max (seed ${seed}, class ${c})`, async () => {
        const grad = numericGradient(problem, c);
        const context = contextOf(problem);
        const map = await new HiResCam().compute(context, c, 'none');
        expectClose(
          map.data,
          pixelWeightedMap(problem, (k, p) => grad[k * size + p]!),
          1e-5,
        );
        const hires = await new HiResCam().compute(context, c, 'relu-minmax');
        const cam = await new Cam().compute(context, c, 'relu-minmax');
        expect(maxDifference(hires.data, cam.data)).toBeLessThan(1e-6);
      });
    }
  }
});

/** d^n/dx^n of exp(Y_c) along feature value i, by central differences, at `features`. */
function expDerivatives(
  problem: Problem,
  features: Float64Array,
  c: number,
  i: number,
): [number, number, number] {
  const h = 0.05;
  const f = (shift: number) => {
    const v = features[i]!;
    features[i] = v + shift;
    const value = Math.exp(headScore(problem, features, c));
    features[i] = v;
    return value;
  };
  const [m2, m1, z, p1, p2] = [f(-2 * h), f(-h), f(0), f(h), f(2 * h)];
  return [(p1 - m1) / (2 * h), (p1 - 2 * z + m1) / (h * h), (p2 - 2 * p1 + 2 * m1 - m2) / (2 * h ** 3)];
}

describe('SmoothGrad-CAM++: Grad-CAM++ with derivatives averaged over noisy inputs', () => {
  for (const seed of seeds) {
    const problem = randomProblem(seed);
    const size = problem.width * problem.height;
    const samples = 5;
    // The features of noisy copies of the input: a fixed backbone stand-in, relu(F + noise).
    const noisy = Array.from({ length: samples }, (_, t) => {
      const noise = randomProblem(seed * 31 + t).features;
      return Float64Array.from(problem.features, (v, i) => Math.max(0, v + 0.5 * (noise[i]! - 0.3)));
    });
    for (let c = 0; c < problem.classes; c++) {
      it(`equals the definition and Grad-CAM++ (seed ${seed}, class ${c})`, async () => {
        const averaged = new Float64Array(3 * problem.features.length);
        for (const features of noisy) {
          for (let i = 0; i < features.length; i++) {
            const d = expDerivatives(problem, features, c, i);
            for (let n = 0; n < 3; n++) averaged[n * features.length + i]! += d[n]! / samples;
          }
        }
        const at = (n: number, k: number, p: number) => averaged[n * problem.features.length + k * size + p]!;
        const weight = (k: number) => {
          let clean = 0;
          for (let p = 0; p < size; p++) clean += problem.features[k * size + p]!;
          let w = 0;
          for (let p = 0; p < size; p++) {
            const denominator = 2 * at(1, k, p) + clean * at(2, k, p);
            const alpha = denominator === 0 ? 0 : at(1, k, p) / denominator;
            w += alpha * Math.max(0, at(0, k, p));
          }
          return w;
        };
        const context = contextOf(problem);
        const map = await new SmoothGradCamPlusPlus().compute(context, c, 'relu-minmax');
        expectClose(map.data, reluMinMax(pixelWeightedMap(problem, weight)), 1e-3);
        const plusPlus = await new GradCamPlusPlus().compute(context, c, 'relu-minmax');
        expect(Array.from(map.data)).toEqual(Array.from(plusPlus.data));
      });
    }
  }
});
