import { describe, expect, it } from 'vitest';
import { averageDropTerms } from '../../src/faithfulness/average-drop.js';
import { trapezoidAuc } from '../../src/faithfulness/pixels.js';
import { riseKernel } from '../../src/faithfulness/rise-blur.js';
import {
  AverageDrop,
  createFaithfulnessMetrics,
  Deletion,
  evaluateFaithfulness,
  FaithfulnessAccumulator,
  type FaithfulnessImage,
  Insertion,
  parseFaithfulnessList,
  Road,
  riseBlur,
} from '../../src/index.js';
import { channelSumModel, rowImage, rowMap } from './toy-model.js';

/** scipy.ndimage.gaussian_filter of an 11x11 delta, sigma 5 (RISE's gkern): the 1-D factor of the kernel. */
const SCIPY_KERNEL = [
  0.08795814577727815, 0.08889611977709484, 0.09047419654910865, 0.09219111781938806, 0.09348938844291409,
  0.09398206326843249, 0.09348938844291409, 0.09219111781938806, 0.09047419654910865, 0.08889611977709484,
  0.08795814577727815,
];

function image(row: number[], map: number[], probability: number, classIndex = 0): FaithfulnessImage {
  return { input: rowImage(row), width: row.length, height: 1, map: rowMap(map), classIndex, probability };
}

describe('Average Drop (Chattopadhay et al.)', () => {
  it('takes the softmax of the image and of image x map', async () => {
    // logits [x0 + x1, 0]: Y = softmax([3, 0])_0, E = [1*1, 2*0] gives O = softmax([1, 0])_0.
    const Y = Math.exp(3) / (Math.exp(3) + 1);
    const O = Math.exp(1) / (Math.exp(1) + 1);
    const { results } = await evaluateFaithfulness(
      image([1, 2], [1, 0], Y),
      [new AverageDrop()],
      channelSumModel(1, 2),
    );
    expect(results.avgdrop).toMatchObject({ original: Y, increase: false });
    const r = results.avgdrop as { explanation: number; drop: number };
    expect(r.explanation).toBeCloseTo(0.7310585786300049, 6);
    expect(r.drop).toBeCloseTo(0.23254415793482963, 6);
    expect(r.drop).toBeCloseTo((Y - O) / Y, 6);
  });

  it('counts an increase and no drop when the masked image scores higher', async () => {
    // logits [-(x0 + x1), 0]: Y = 1/(1+e^3), O = 1/(1+e^1) > Y.
    const Y = 1 / (1 + Math.exp(3));
    const { results } = await evaluateFaithfulness(
      image([1, 2], [1, 0], Y),
      [new AverageDrop()],
      channelSumModel(-1, 2),
    );
    expect(results.avgdrop).toMatchObject({ drop: 0, increase: true });
    expect((results.avgdrop as { explanation: number }).explanation).toBeCloseTo(1 / (1 + Math.E), 6);
  });
});

describe('Average Drop under --compat pytorch-grad-cam (its DropInConfidence)', () => {
  it('is max(0, Y - O) without the division by Y; the paper divides', async () => {
    const Y = Math.exp(3) / (Math.exp(3) + 1);
    const O = Math.exp(1) / (Math.exp(1) + 1);
    // cam_mult_image.py DropInConfidence: `scores = -scores; return np.maximum(scores, 0)`,
    // scores = scores_after_imputation - scores (perturbation_confidence.py, return_diff=True).
    const library = Math.max(0, -(Math.fround(O) - Math.fround(Y)));
    const run = (metric: AverageDrop) =>
      evaluateFaithfulness(image([1, 2], [1, 0], Y), [metric], channelSumModel(1, 2));
    const compat = (await run(new AverageDrop({ compat: 'pytorch-grad-cam' }))).results.avgdrop as {
      drop: number;
      increase: boolean;
    };
    expect(Math.abs(compat.drop - library)).toBeLessThan(1e-6);
    expect(compat.increase).toBe(false);
    const paper = (await run(new AverageDrop())).results.avgdrop as { drop: number };
    expect(paper.drop).toBeCloseTo((Y - O) / Y, 6);
    expect(createFaithfulnessMetrics(['avgdrop'], { compat: 'pytorch-grad-cam' })[0]).toMatchObject({
      compat: 'pytorch-grad-cam',
    });
    expect(averageDropTerms(0.5, 0.8, 'pytorch-grad-cam')).toMatchObject({ drop: 0, increase: true });
  });
});

describe('Deletion (Petsiuk et al.)', () => {
  // Probability = (sum of channel 0) / 10; order of the map: pixels 1, 2, 3, 0.
  const img = image([4, 3, 2, 1], [0.1, 0.9, 0.5, 0.3], 1);
  const model = channelSumModel(0.1, 1);

  it('deletes in order of the map to zero and integrates by the trapezoidal rule', async () => {
    const { results } = await evaluateFaithfulness(img, [new Deletion({ steps: 4 })], model, {
      probabilities: true,
    });
    const r = results.deletion as { auc: number; curve: number[] };
    // 10, then without 3, 2, 1, 4: 7, 5, 4, 0.
    expect(r.curve.map((v) => +v.toFixed(6))).toEqual([1, 0.7, 0.5, 0.4, 0]);
    expect(r.auc).toBeCloseTo((1 + 0.7 + 0.5 + 0.4 + 0 - 0.5 - 0) / 4, 6);
  });

  it('takes round(k * HW / S) pixels per step', async () => {
    const { results } = await evaluateFaithfulness(img, [new Deletion({ steps: 2 })], model, {
      probabilities: true,
    });
    expect((results.deletion as { curve: number[] }).curve.map((v) => +v.toFixed(6))).toEqual([1, 0.5, 0]);
  });

  it('replaces with the per-channel mean under the mean baseline', async () => {
    // Mean of channel 0 is 2.5: sums 9.5, 10, 11.5, 10 (over 20).
    const { results } = await evaluateFaithfulness(
      { ...img, probability: 0.5 },
      [new Deletion({ steps: 4, baseline: 'mean' })],
      channelSumModel(0.05, 1),
      { probabilities: true },
    );
    const r = results.deletion as { auc: number; curve: number[] };
    expect(r.curve.map((v) => +v.toFixed(6))).toEqual([0.5, 0.475, 0.5, 0.575, 0.5]);
    expect(r.auc).toBeCloseTo(0.5125, 6);
  });
});

describe('Insertion (Petsiuk et al.)', () => {
  it("has RISE's blur kernel", () => {
    const kernel = riseKernel();
    for (let i = 0; i < 11; i++) expect(kernel[i]).toBeCloseTo(SCIPY_KERNEL[i]!, 14);
  });

  it('blurs with zero padding: a constant image keeps its value inside, loses mass at the edges', () => {
    const size = 21;
    const blurred = riseBlur(new Float32Array(3 * size * size).fill(1), size, size);
    expect(blurred[10 * size + 10]).toBeCloseTo(1, 6);
    const edge = SCIPY_KERNEL.slice(5).reduce((a, b) => a + b, 0);
    expect(blurred[0]).toBeCloseTo(edge * edge, 6);
  });

  it('reveals the image over its blur in order of the map', async () => {
    const row = [4, 3, 2, 1];
    // On a 1-pixel-high image only the kernel's middle row lands inside: b[x] = k5 * sum_j k[5 + j - x] v[j].
    const k = SCIPY_KERNEL;
    const blurred = row.map((_, x) => k[5]! * row.reduce((s, v, j) => s + k[5 + j - x]! * v, 0));
    const order = [1, 2, 3, 0];
    const expected = [0, 1, 2, 3, 4].map((n) => {
      const shown = new Set(order.slice(0, n));
      return row.reduce((s, v, x) => s + (shown.has(x) ? v : blurred[x]!), 0) / 10;
    });
    const { results } = await evaluateFaithfulness(
      image(row, [0.1, 0.9, 0.5, 0.3], 1),
      [new Insertion({ steps: 4 })],
      channelSumModel(0.1, 1),
      { probabilities: true },
    );
    const r = results.insertion as { auc: number; curve: number[] };
    for (let i = 0; i < 5; i++) expect(r.curve[i]).toBeCloseTo(expected[i]!, 6);
    expect(r.auc).toBeCloseTo(trapezoidAuc(expected), 6);
  });
});

describe('ROAD (Rong et al.)', () => {
  it('removes the most and the least relevant pixels and imputes them linearly', async () => {
    // Row [8, 3, 2, 1], order of the map 1, 2, 3, 0; probability = sum / 40.
    // MoRF 25%: x1 = (8 + 2)/2 = 5 -> 16. 50%: x1 = 17/3, x2 = 10/3 -> 18. 75%: all = 8 -> 32.
    // LeRF 25%: x0 = 3 -> 9. 50%: x0 = 3, x3 = 2 -> 10. 75%: all = 3 -> 12.
    const { results } = await evaluateFaithfulness(
      image([8, 3, 2, 1], [0.1, 0.9, 0.5, 0.3], 14 / 40),
      [new Road({ percentages: [25, 50, 75], noise: 0 })],
      channelSumModel(1 / 40, 1),
      { probabilities: true },
    );
    const r = results.road as {
      morf: number[];
      lerf: number[];
      morfMean: number;
      lerfMean: number;
      combined: number;
    };
    expect(r.morf.map((v) => +v.toFixed(6))).toEqual([0.4, 0.45, 0.8]);
    expect(r.lerf.map((v) => +v.toFixed(6))).toEqual([0.225, 0.25, 0.3]);
    expect(r.morfMean).toBeCloseTo(0.55, 6);
    expect(r.lerfMean).toBeCloseTo(0.775 / 3, 6);
    expect(r.combined).toBeCloseTo((0.775 / 3 - 0.55) / 2, 6);
  });

  it('adds seeded noise: the same seed gives the same images, another seed others', async () => {
    const run = async (seed: number) => {
      const seen: number[] = [];
      const forward = async (batch: Float32Array, count: number) => {
        seen.push(...batch);
        return new Float32Array(count);
      };
      await evaluateFaithfulness(
        image([8, 3, 2, 1], [0.1, 0.9, 0.5, 0.3], 0.5),
        [new Road({ percentages: [50], noise: 0.01, seed })],
        forward,
        { probabilities: true },
      );
      return seen;
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    const b = await run(2);
    expect(b).not.toEqual(a);
    // Only imputed pixels carry noise, of the size asked for.
    expect(Math.abs(a[1]! - 17 / 3)).toBeLessThan(0.05);
    expect(a[1]).not.toBeCloseTo(17 / 3, 6);
    expect(a[0]).toBe(8);
  });
});

describe('evaluateFaithfulness', () => {
  it('batches the perturbed inputs of every metric, with the same results at any batch size', async () => {
    const metrics = [new AverageDrop(), new Deletion({ steps: 4 }), new Insertion({ steps: 4 })];
    const img = image([4, 3, 2, 1], [0.1, 0.9, 0.5, 0.3], 1);
    const calls: number[] = [];
    const batched = await evaluateFaithfulness(img, metrics, channelSumModel(0.1, 1, calls), {
      batchSize: 4,
      probabilities: true,
    });
    expect(calls).toEqual([4, 4, 1]);
    expect(batched.cost.passes).toEqual({ avgdrop: 1, deletion: 4, insertion: 4 });
    const single = await evaluateFaithfulness(img, metrics, channelSumModel(0.1, 1), {
      batchSize: 1,
      probabilities: true,
    });
    expect(single.results).toEqual(batched.results);
  });

  it('refuses an input of the wrong size and a map with a non-finite value', async () => {
    const img = image([4, 3], [1, 0], 1);
    await expect(
      evaluateFaithfulness({ ...img, width: 3 }, [new AverageDrop()], channelSumModel(1, 2)),
    ).rejects.toThrow(/expected 3x1x3/);
    await expect(
      evaluateFaithfulness(
        { ...img, map: rowMap([1, Number.NaN]) },
        [new AverageDrop()],
        channelSumModel(1, 2),
      ),
    ).rejects.toThrow(/non-finite value at index 1/);
  });
});

describe('FaithfulnessAccumulator', () => {
  it('averages the terms, the AUCs and the curves point by point', () => {
    const acc = new FaithfulnessAccumulator();
    acc.add({
      avgdrop: { original: 0.8, explanation: 0.4, drop: 0.5, increase: false },
      deletion: { auc: 0.3, curve: [1, 0.2, 0] },
    });
    acc.add({
      avgdrop: { original: 0.2, explanation: 0.3, drop: 0, increase: true },
      deletion: { auc: 0.5, curve: [1, 0.6, 0] },
    });
    const s = acc.compute();
    expect(s.avgdrop).toEqual({ images: 2, averageDrop: 25, increaseInConfidence: 50 });
    expect(s.deletion?.auc).toBeCloseTo(0.4, 12);
    expect(s.deletion?.curve.map((v) => +v.toFixed(12))).toEqual([1, 0.4, 0]);
    expect(s.insertion).toBeUndefined();
    expect(() => acc.add({ deletion: { auc: 0, curve: [1, 0] } })).toThrow(/3 and 2 points/);
  });
});

describe('parseFaithfulnessList', () => {
  it('keeps the table order, drops duplicates and names an unknown metric', () => {
    expect(parseFaithfulnessList('road, avgdrop,road')).toEqual(['avgdrop', 'road']);
    expect(() => parseFaithfulnessList('avgdrop,delete')).toThrow(/unknown faithfulness metric 'delete'/);
    expect(() => parseFaithfulnessList(' , ')).toThrow(/names no metric/);
  });
});
