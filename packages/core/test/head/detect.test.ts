import { describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { HeadNotFoundError } from '../../src/errors.js';
import { type CamHead, detectCamHead } from '../../src/head/detect.js';
import { addGraphOutputs } from '../../src/onnx/add-outputs.js';
import { parseOnnxModel, readOnnxModel } from '../../src/onnx/read-model.js';
import { createSession } from '../../src/runtime/index.js';
import { C, type HeadPattern, K, randomFloats, S, tinyModel, tinyWeights } from '../onnx/builder.js';

/** score_c = sum_k W[c,k] * mean(F_k) + b[c], from the features the session returns. */
function scoresFromFeatures(head: CamHead, features: Float32Array, batch: number): Float32Array {
  const hw = features.length / (batch * head.channels);
  const out = new Float32Array(batch * head.numClasses);
  for (let n = 0; n < batch; n++) {
    const means = new Float64Array(head.channels);
    for (let k = 0; k < head.channels; k++) {
      let s = 0;
      for (let i = 0; i < hw; i++) s += features[(n * head.channels + k) * hw + i]!;
      means[k] = s / hw;
    }
    for (let c = 0; c < head.numClasses; c++) {
      let s = head.kind === 'class-map' ? means[c]! : (head.bias?.[c] ?? 0);
      if (head.kind === 'gap-linear')
        for (let k = 0; k < head.channels; k++) s += head.weights![c * head.channels + k]! * means[k]!;
      out[n * head.numClasses + c] = s;
    }
  }
  return out;
}

async function checkNumerics(
  head: CamHead,
  bytes: Uint8Array | ReturnType<typeof parseOnnxModel>,
  batch = 2,
) {
  const model = bytes instanceof Uint8Array ? parseOnnxModel(bytes) : bytes;
  // The feature map appended as an output, as CamModel does. On the calling thread: the numbers
  // are onnxruntime's either way, and a session thread started from src/ costs a second of CPU
  // (test/runtime/ holds the thread to the same outputs).
  const s = await createSession(addGraphOutputs(model, [head.featureTensor]), {
    device: 'cpu',
    outputs: [head.scoreTensor, head.featureTensor],
    thread: 'main',
  });
  try {
    const shape = s.inputShape.map((d) => (typeof d === 'number' ? d : batch));
    const b = shape[0]!;
    const input = randomFloats(
      shape.reduce((x, y) => x * y, 1),
      23,
    );
    const out = await s.run(input, b);
    const r = {
      scores: out[head.scoreTensor]!.data,
      features: out[head.featureTensor]!.data,
      featureDims: out[head.featureTensor]!.dims,
    };
    const mine = scoresFromFeatures(head, r.features, b);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < mine.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(mine[i]! - r.scores[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(r.scores[i]!));
    }
    return { maxErr, maxAbs, featureDims: r.featureDims };
  } finally {
    await s.release();
  }
}

describe('detectCamHead on tiny built graphs', () => {
  const { W, B } = tinyWeights();
  const linear: [HeadPattern, string[], number, number][] = [
    ['gemm', ['GlobalAveragePool', 'Flatten', 'Gemm'], 1, 1],
    ['gemm-transB0', ['GlobalAveragePool', 'Flatten', 'Gemm'], 1, 1],
    ['gemm-alpha-beta', ['GlobalAveragePool', 'Flatten', 'Gemm'], 0.5, 2],
    ['matmul-add', ['GlobalAveragePool', 'Flatten', 'MatMul', 'Add'], 1, 1],
    ['reducemean', ['ReduceMean', 'Gemm'], 1, 1],
    ['reducemean-opset18', ['ReduceMean', 'Flatten', 'Gemm'], 1, 1],
    ['averagepool', ['AveragePool', 'Flatten', 'Gemm'], 1, 1],
  ];
  it.each(linear)(
    '%s: feature, weights [C,K] with alpha/beta folded, and logits reproduced',
    async (pattern, path, alpha, beta) => {
      const bytes = tinyModel(pattern);
      const head = await detectCamHead(parseOnnxModel(bytes));
      expect(head.kind).toBe('gap-linear');
      expect(head.featureTensor).toBe('features');
      expect(head.featureShape).toEqual([null, K, S, S]);
      expect(head.channels).toBe(K);
      expect(head.numClasses).toBe(C);
      expect(head.scoreTensor).toBe('logits');
      expect(head.path).toEqual(path);
      expect(Array.from(head.weights!)).toEqual(Array.from(W, (x) => Math.fround(x * alpha)));
      expect(Array.from(head.bias!)).toEqual(Array.from(B, (x) => Math.fround(x * beta)));
      const { maxErr } = await checkNumerics(head, bytes);
      expect(maxErr).toBeLessThan(1e-5);
    },
  );

  it('a Gemm without bias gives bias null', async () => {
    const head = await detectCamHead(parseOnnxModel(tinyModel('gemm-no-bias')));
    expect(head.bias).toBeNull();
    expect((await checkNumerics(head, tinyModel('gemm-no-bias'))).maxErr).toBeLessThan(1e-5);
  });

  it.each(['class-map', 'class-map-softmax'] as const)(
    '%s head: the class maps are the feature',
    async (pattern) => {
      const bytes = tinyModel(pattern);
      const head = await detectCamHead(parseOnnxModel(bytes));
      expect(head.kind).toBe('class-map');
      expect(head.featureTensor).toBe('features');
      expect(head.featureShape).toEqual([null, C, S, S]);
      expect(head.numClasses).toBe(C);
      expect(head.weights).toBeNull();
      expect(head.softmax).toBe(pattern === 'class-map-softmax');
      if (pattern === 'class-map') expect((await checkNumerics(head, bytes)).maxErr).toBeLessThan(1e-5);
    },
  );

  it('an AveragePool that does not cover the map is not a global average', async () => {
    await expect(detectCamHead(parseOnnxModel(tinyModel('averagepool-partial')))).rejects.toThrow(
      HeadNotFoundError,
    );
  });

  it('a two-layer head is refused, naming the non-linear node and the overrides', async () => {
    const m = parseOnnxModel(tinyModel('two-layer'));
    const e = await detectCamHead(m).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HeadNotFoundError);
    const msg = (e as HeadNotFoundError).toOneLine();
    expect(msg).toMatch(/Relu 'head_relu'/);
    expect(msg).toMatch(/GlobalAveragePool/);
    expect(msg).toMatch(/`featureTensor: /);
    expect(msg).toMatch(/classifierWeights/);
  });

  it('overrides: explicit feature and classifier are trusted after shape checks', async () => {
    const m = parseOnnxModel(tinyModel('two-layer'));
    const head = await detectCamHead(m, {
      featureTensor: 'features',
      classifierWeights: 'fc2.w',
      classifierBias: 'fc2.b',
    });
    expect(head.kind).toBe('gap-linear');
    expect(head.featureShape).toEqual([null, K, S, S]);
    expect(head.numClasses).toBe(C);
    expect(head.bias!.length).toBe(C);
    await expect(detectCamHead(m, { featureTensor: 'nope', classifierWeights: 'fc2.w' })).rejects.toThrow(
      /featureTensor: no tensor named 'nope'/,
    );
    await expect(detectCamHead(m, { featureTensor: 'features', classifierWeights: 'nope' })).rejects.toThrow(
      /classifierWeights: no initializer named 'nope'/,
    );
    await expect(detectCamHead(m, { featureTensor: 'features', classifierWeights: 'fc2.b' })).rejects.toThrow(
      /\[C,K\]/,
    );
    await expect(detectCamHead(m, { featureTensor: 'conv.w', classifierWeights: 'fc2.w' })).rejects.toThrow(
      /channels/,
    );
    await expect(
      detectCamHead(m, { featureTensor: 'features', classifierWeights: 'fc2.w', classifierBias: 'fc1.w' }),
    ).rejects.toThrow(/classifierBias 'fc1.w' has 16 values/);
  });
});

interface Expected {
  file: string[];
  kind: CamHead['kind'];
  shape: (number | null)[];
  classes: number;
  scores: string;
}

const EXPECTED: Expected[] = [
  {
    file: ['untrained', 'resnet18.onnx'],
    kind: 'gap-linear',
    shape: [null, 512, 7, 7],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['mobilenetv2-1.0-imagenet.onnx'],
    kind: 'gap-linear',
    shape: [null, 1280, 7, 7],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['mobilenetv1-0.75-192-imagenet.onnx'],
    kind: 'gap-linear',
    shape: [null, 768, 6, 6],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['mobilenetv1-0.25-128-imagenet.onnx'],
    kind: 'gap-linear',
    shape: [null, 256, 4, 4],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['untrained', 'efficientnet_b0.onnx'],
    kind: 'gap-linear',
    shape: [null, 1280, 7, 7],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['untrained', 'shufflenet_v2_x0_5.onnx'],
    kind: 'gap-linear',
    shape: [null, 1024, 7, 7],
    classes: 1000,
    scores: 'logits',
  },
  {
    file: ['squeezenet1.1-imagenet.onnx'],
    kind: 'class-map',
    shape: [1, 1000, 13, 13],
    classes: 1000,
    scores: 'softmaxout_1',
  },
  {
    file: ['untrained', 'squeezenet1_1.onnx'],
    kind: 'class-map',
    shape: [null, 1000, 13, 13],
    classes: 1000,
    scores: 'logits',
  },
];

describeWithTestBed('detectCamHead on the shared models', () => {
  it.each(EXPECTED)('$file.1 $file.0', async (x) => {
    const m = await readOnnxModel(shared('models', ...x.file));
    const head = await detectCamHead(m);
    expect(head.kind).toBe(x.kind);
    expect(head.featureShape).toEqual(x.shape);
    expect(head.numClasses).toBe(x.classes);
    expect(head.scoreTensor).toBe(x.scores);
    expect(m.producer(head.featureTensor)).toBeDefined();
    if (x.kind === 'gap-linear') {
      expect(head.weights!.length).toBe(x.classes * x.shape[1]!);
      expect(head.bias!.length).toBe(x.classes);
      expect(head.channels).toBe(x.shape[1]);
    } else {
      expect(head.weights).toBeNull();
    }
    if (!head.softmax) {
      const { maxErr, maxAbs, featureDims } = await checkNumerics(head, m);
      expect(featureDims.slice(1)).toEqual(x.shape.slice(1));
      expect(maxErr).toBeLessThan(1e-4 * Math.max(1, maxAbs));
    }
  });

  it('MobileNetV3-Small is refused with the non-linear node named', async () => {
    const m = await readOnnxModel(shared('models', 'untrained', 'mobilenet_v3_small.onnx'));
    const e = await detectCamHead(m).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HeadNotFoundError);
    const msg = (e as HeadNotFoundError).toOneLine();
    expect(msg).toContain("HardSwish (HardSigmoid * Mul) Mul '/classifier/classifier.1/Mul'");
    expect(msg).toContain("GlobalAveragePool '/avgpool/GlobalAveragePool'");
    expect(msg).toContain('`classifierWeights: ');
    expect(msg).toContain('mobilenet_v3_small.onnx');
    // and with overrides it is usable (trusting the user)
    const head = await detectCamHead(m, {
      featureTensor: '/features/features.12/features.12.2/Mul_output_0',
      classifierWeights: 'classifier.0.weight',
      classifierBias: 'classifier.0.bias',
    });
    expect(head.featureShape).toEqual([null, 576, 7, 7]);
    expect(head.numClasses).toBe(1024);
  });
});
