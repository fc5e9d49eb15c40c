/**
 * SS-CAM and IS-CAM on a real tiny ONNX model (onnxruntime sessions, the model built in code):
 * each map is checked against its paper's definition, evaluated one masked input at a time.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CamContext, IsCam, ScoreCam, SsCam, softmaxAt } from '../../src/cam/index.js';
import { detectCamHead } from '../../src/head/detect.js';
import { addGraphOutputs } from '../../src/onnx/add-outputs.js';
import { parseOnnxModel } from '../../src/onnx/read-model.js';
import { SeededRandom } from '../../src/random.js';
import { randomFloats, S, tinyModel } from '../onnx/builder.js';
import { expectClose, maxDifference } from './context.js';

let session: ort.InferenceSession;
let context: CamContext;
let forwardCalls = 0;
const plane = S * S;

async function run(batch: Float32Array, count: number) {
  const out = await session.run({ input: new ort.Tensor('float32', batch.slice(), [count, 3, S, S]) });
  return out;
}

beforeAll(async () => {
  const model = parseOnnxModel(tinyModel('gemm'));
  const head = await detectCamHead(model);
  session = await ort.InferenceSession.create(addGraphOutputs(model, [head.featureTensor]));
  const input = randomFloats(3 * plane, 77);
  const out = await run(input, 1);
  context = {
    features: out[head.featureTensor]!.data as Float32Array,
    channels: head.channels,
    width: S,
    height: S,
    head,
    scores: out[head.scoreTensor]!.data as Float32Array,
    input,
    inputWidth: S,
    inputHeight: S,
    forward: async (batch, count) => {
      forwardCalls += count;
      return (await run(batch, count))[head.scoreTensor]!.data as Float32Array;
    },
  };
});

afterAll(async () => {
  await session?.release();
});

/** The Score-CAM mask of channel k: the feature grid is the input grid here, so minmax(F_k). */
function maskOf(k: number): Float64Array {
  const channel = context.features.subarray(k * plane, (k + 1) * plane);
  const lo = Math.min(...channel);
  const hi = Math.max(...channel);
  return Float64Array.from(channel, (v) => (v - lo) / (hi - lo));
}

/** softmax(f(X * mask))_c for one mask, one forward pass. */
async function maskedScore(mask: ArrayLike<number>, c: number): Promise<number> {
  const masked = Float32Array.from(context.input!, (v, i) => v * mask[i % plane]!);
  return softmaxAt((await run(masked, 1)).logits!.data as Float32Array, c);
}

/** Channels by decreasing activation sum: the order the passes (and SS-CAM's noise) follow. */
function strongestFirst(): number[] {
  const sum = (k: number) => context.features.subarray(k * plane, (k + 1) * plane).reduce((a, b) => a + b, 0);
  return Array.from({ length: context.channels }, (_, k) => k).sort((a, b) => sum(b) - sum(a) || a - b);
}

function weightedMap(weights: ArrayLike<number>): Float64Array {
  const map = new Float64Array(plane);
  for (let k = 0; k < context.channels; k++)
    for (let p = 0; p < plane; p++) map[p]! += weights[k]! * context.features[k * plane + p]!;
  return map;
}

describe('SS-CAM: Score-CAM weights averaged over masks with Gaussian noise', () => {
  it('equals (1/N) sum_i softmax(f(X * (H_k + delta_i)))_c, delta_i from the seeded source', async () => {
    const samples = 4;
    const sigma = 0.3;
    const noise = new SeededRandom(11);
    const weights = new Float64Array(context.channels);
    for (const k of strongestFirst()) {
      const mask = maskOf(k);
      for (let i = 0; i < samples; i++) {
        const noisy = mask.map((m) => m + sigma * noise.normal());
        weights[k]! += (await maskedScore(noisy, 2)) / samples;
      }
    }
    forwardCalls = 0;
    const map = await new SsCam({ samples, sigma, seed: 11, batchSize: 3 }).compute(context, 2, 'none');
    expect(forwardCalls).toBe(samples * context.channels);
    expectClose(map.data, weightedMap(weights), 1e-5);
  });

  it('is reproducible per seed, whatever the batch, and is Score-CAM without noise', async () => {
    const a = await new SsCam({ samples: 3, seed: 5, batchSize: 2 }).compute(context, 1, 'none');
    const b = await new SsCam({ samples: 3, seed: 5, batchSize: 64 }).compute(context, 1, 'none');
    const c = await new SsCam({ samples: 3, seed: 6 }).compute(context, 1, 'none');
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(maxDifference(a.data, c.data)).toBeGreaterThan(1e-4);
    const still = await new SsCam({ samples: 3, sigma: 0 }).compute(context, 1, 'none');
    const score = await new ScoreCam().compute(context, 1, 'none');
    expectClose(still.data, score.data, 1e-6);
  });
});

describe('IS-CAM: Score-CAM weights integrated over masks scaled i/N', () => {
  it('equals (1/N) sum_{i=1..N} softmax(f(X * (i/N) H_k))_c', async () => {
    const samples = 5;
    const weights = new Float64Array(context.channels);
    for (let k = 0; k < context.channels; k++) {
      const mask = maskOf(k);
      for (let i = 1; i <= samples; i++) {
        weights[k]! +=
          (await maskedScore(
            mask.map((m) => (m * i) / samples),
            3,
          )) / samples;
      }
    }
    forwardCalls = 0;
    const map = await new IsCam({ samples, batchSize: 4 }).compute(context, 3, 'none');
    expect(forwardCalls).toBe(samples * context.channels);
    expectClose(map.data, weightedMap(weights), 1e-5);
    const one = await new IsCam({ samples: 1 }).compute(context, 3, 'none');
    expectClose(one.data, (await new ScoreCam().compute(context, 3, 'none')).data, 1e-6);
  });

  it('refuses a sample count below one', () => {
    expect(() => new IsCam({ samples: 0 })).toThrow(/samples >= 1/);
    expect(() => new SsCam({ sigma: -1 })).toThrow(/sigma >= 0/);
  });
});
