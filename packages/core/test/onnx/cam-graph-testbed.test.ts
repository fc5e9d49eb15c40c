import { readdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readNpyFloat32 } from '../../../../test-support/npy.js';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { DEVICE_CAM_METHODS } from '../../src/cam/device-cam-methods.js';
import { normalizeInPlace } from '../../src/cam/normalize.js';
import type { Normalization } from '../../src/cam/types.js';
import { resizeGeometry } from '../../src/geometry.js';
import type { PresetName } from '../../src/image/presets.js';
import { CamModel, type Inference, type PreparedImage } from '../../src/model.js';
import { appendCamGraph, type CamGraphOptions } from '../../src/onnx/cam-graph.js';
import { resampleScoreMap } from '../../src/resample.js';
import { maxMapError, openCamGraph } from './cam-graph-support.js';

/**
 * The on-device CAM (appendCamGraph) against the JS path (CamModel.cam, resampleScoreMap,
 * normalize.ts) on real models and inputs of the test bed.
 */

const NORMALIZATIONS: readonly Normalization[] = ['relu-minmax', 'minmax', 'none'];
const TOLERANCE = 1e-5;

interface Bed {
  model: CamModel;
  prepared: PreparedImage[];
  inferences: Inference[];
}

async function load(
  file: string,
  preset: PresetName,
  prepared: (m: CamModel) => Promise<PreparedImage[]>,
): Promise<Bed> {
  const model = await CamModel.load(file, { device: 'cpu', preprocess: { preset } });
  const images = await prepared(model);
  const inferences: Inference[] = [];
  // one by one: the caffe2 SqueezeNet has its batch fixed at 1
  for (const p of images) inferences.push(...(await model.infer([p])));
  return { model, prepared: images, inferences };
}

/** The JS path's map of `cls` for one inference, resized and normalised as `options` say. */
async function jsMap(bed: Bed, i: number, cls: number, options: CamGraphOptions): Promise<Float32Array> {
  const map = await bed.model.cam(bed.inferences[i]!, cls, {
    method: options.method,
    normalization: options.normalization ?? 'relu-minmax',
  });
  if (options.resize === undefined) return map.data;
  const resized = resampleScoreMap(map, options.resize.width, options.resize.height, options.resize.mode);
  return normalizeInPlace(resized.data, options.resizedNormalization ?? 'none');
}

/** Runs the appended graph image by image and returns the worst error over every map. */
async function worstError(bed: Bed, options: CamGraphOptions, targets: readonly number[]): Promise<number> {
  const { model } = bed;
  const graph = appendCamGraph(model.onnx, model.head, options);
  expect(
    Buffer.from(graph.bytes.subarray(0, model.onnx.bytes.length)).equals(Buffer.from(model.onnx.bytes)),
  ).toBe(true);
  const inputName = model.onnx.realInputs()[0]!.name;
  const session = await openCamGraph(graph, model.head.numClasses);
  let worst = 0;
  for (const [i, p] of bed.prepared.entries()) {
    const feeds = {
      [inputName]: new ort.Tensor('float32', p.tensor, [1, 3, model.inputHeight, model.inputWidth]),
    };
    const out = await session.run(feeds, [targets]);
    const size = graph.width * graph.height;
    for (const [t, target] of targets.entries()) {
      const cls = target < 0 ? bed.inferences[i]!.ranked[-1 - target]! : target;
      expect(Number(out.classes[t])).toBe(cls);
      const expected = await jsMap(bed, i, cls, options);
      worst = Math.max(worst, maxMapError(out.maps.subarray(t * size, (t + 1) * size), expected));
    }
  }
  await session.release();
  return worst;
}

function modelCases(
  name: string,
  bed: () => Bed,
  configurations: () => CamGraphOptions[],
  targets: number[],
) {
  it(`${name}: on-device maps equal the JS path within ${TOLERANCE}`, async () => {
    const lines: string[] = [];
    for (const options of configurations()) {
      const error = await worstError(bed(), options, targets);
      lines.push(`${describe(options)}: ${error.toExponential(2)}`);
      expect(error, describe(options)).toBeLessThan(TOLERANCE);
    }
    console.info(`[cam on device] ${name}\n  ${lines.join('\n  ')}`);
  }, 240_000);
}

function describe(o: CamGraphOptions): string {
  const resize = o.resize === undefined ? 'grid' : `${o.resize.mode} ${o.resize.width}x${o.resize.height}`;
  return `${o.method} ${o.normalization ?? 'relu-minmax'} ${resize}${o.resizedNormalization ? ` then ${o.resizedNormalization}` : ''}`;
}

/** Every method and normalisation on the grid and resized to 224x224 with `mode`, plus the wsolevaluation order. */
function everyConfiguration(mode: 'bilinear' | 'bicubic'): CamGraphOptions[] {
  const out: CamGraphOptions[] = [];
  for (const method of DEVICE_CAM_METHODS) {
    for (const normalization of NORMALIZATIONS) {
      out.push({ method, normalization });
      out.push({ method, normalization, resize: { width: 224, height: 224, mode } });
    }
  }
  out.push(
    {
      method: 'cam',
      normalization: 'none',
      resize: { width: 224, height: 224, mode: 'bicubic' },
      resizedNormalization: 'minmax',
    },
    {
      method: 'cam',
      normalization: 'minmax',
      resize: { width: 224, height: 224, mode: 'bicubic' },
      resizedNormalization: 'minmax',
    },
  );
  return out;
}

describeWithTestBed('CAM on the device against the JS path (test bed)', () => {
  const golden = shared('golden', 'resnet18-untrained');
  const photos = shared('datasets', 'ilsvrc2012-val-1000', 'images');
  const beds = new Map<string, Bed>();
  const bed = (name: string) => () => beds.get(name)!;
  const twoPhotos = async (m: CamModel) => {
    const files = readdirSync(photos).sort().slice(0, 2);
    return Promise.all(files.map((f) => m.prepare(`${photos}/${f}`)));
  };

  beforeAll(async () => {
    const index = JSON.parse(readFileSync(`${golden}/index.json`, 'utf8')) as { image: string }[];
    beds.set(
      'resnet18',
      await load(shared('models', 'untrained', 'resnet18.onnx'), 'imagenet', async () =>
        index.map(({ image }) => {
          const stem = image.replace(/\.JPEG$/, '');
          const tensor = readNpyFloat32(`${golden}/${stem}.input.npy`).data;
          return { ...fakePrepared(image), tensor } as PreparedImage;
        }),
      ),
    );
    beds.set(
      'mobilenetv2',
      await load(shared('models', 'mobilenetv2-1.0-imagenet.onnx'), 'mobilenet', twoPhotos),
    );
    beds.set(
      'squeezenet1_1',
      await load(shared('models', 'untrained', 'squeezenet1_1.onnx'), 'imagenet', twoPhotos),
    );
    beds.set(
      'squeezenet-caffe2',
      await load(shared('models', 'squeezenet1.1-imagenet.onnx'), 'caffe', twoPhotos),
    );
  }, 120_000);
  afterAll(async () => {
    for (const b of beds.values()) await b.model.release();
  });

  // the golden inputs: the predicted class, the third-ranked and a fixed class
  modelCases(
    'resnet18 (golden inputs, opset 13)',
    bed('resnet18'),
    () => everyConfiguration('bilinear'),
    [-1, -3, 17],
  );
  modelCases('mobilenetv2 (opset 10)', bed('mobilenetv2'), () => everyConfiguration('bicubic'), [-1, 409]);
  modelCases(
    'squeezenet1_1 (class-map head)',
    bed('squeezenet1_1'),
    () => everyConfiguration('bicubic'),
    [-1, -2],
  );
  modelCases(
    'squeezenet1.1 caffe2 (class-map head, opset 7, IR 3, batch 1)',
    bed('squeezenet-caffe2'),
    () =>
      DEVICE_CAM_METHODS.flatMap((method): CamGraphOptions[] => [
        { method },
        { method, normalization: 'minmax', resize: { width: 224, height: 224, mode: 'bilinear' } },
      ]),
    [-1, 3],
  );
});

function fakePrepared(file: string): Omit<PreparedImage, 'tensor'> {
  return {
    file,
    image: { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3) },
    geometry: resizeGeometry(224, 224, 224, 224),
  };
}
