import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { inputToOriginal } from '../../src/geometry.js';
import {
  preprocessFromMetadata,
  readSidecarPreprocess,
  resolvePreprocess,
  sidecarPaths,
} from '../../src/image/config.js';
import {
  centreCropOffset,
  preprocess,
  preprocessGeometry,
  roundHalfEven,
  shorterSideSize,
} from '../../src/image/preprocess.js';
import { PRESETS } from '../../src/image/presets.js';
import { rgbImage } from '../../src/image/types.js';

describe('torchvision sizes and offsets', () => {
  it('computes the long side as int(size * long / short)', () => {
    expect(shorterSideSize(500, 375, 256)).toEqual([341, 256]);
    expect(shorterSideSize(375, 500, 256)).toEqual([256, 341]);
    expect(shorterSideSize(227, 227, 256)).toEqual([256, 256]);
    expect(shorterSideSize(2000, 1333, 256)).toEqual([384, 256]);
  });
  it('rounds crop offsets half to even as Python round()', () => {
    expect(roundHalfEven(58.5)).toBe(58);
    expect(roundHalfEven(16.5)).toBe(16);
    expect(roundHalfEven(17.5)).toBe(18);
    expect(centreCropOffset(341, 224)).toBe(58);
    expect(centreCropOffset(256, 224)).toBe(16);
    expect(centreCropOffset(200, 224)).toBe(-12); // padded: (224 - 200) // 2 on the left
  });
  it('gives the geometry of Resize(256) + CenterCrop(224)', () => {
    const g = preprocessGeometry(500, 375, PRESETS.imagenet);
    expect(g).toEqual({
      originalWidth: 500,
      originalHeight: 375,
      resizeWidth: 341,
      resizeHeight: 256,
      cropX: 58,
      cropY: 16,
      inputWidth: 224,
      inputHeight: 224,
    });
    const [x, y] = inputToOriginal(g, 0, 0);
    expect(x).toBeCloseTo((58 * 500) / 341, 12);
    expect(y).toBeCloseTo((16 * 375) / 256, 12);
  });
  it('uses the model input size for exact resizes without a crop, and refuses mismatches', () => {
    const g = preprocessGeometry(300, 200, PRESETS.mobilenet, { inputWidth: 128, inputHeight: 128 });
    expect([g.resizeWidth, g.resizeHeight, g.inputWidth, g.cropX]).toEqual([128, 128, 128, 0]);
    expect(() =>
      preprocessGeometry(300, 200, PRESETS.imagenet, { inputWidth: 192, inputHeight: 192 }),
    ).toThrow(UsageError);
  });
});

describe('preprocess', () => {
  it('normalises, orders channels and lays out CHW', () => {
    const img = rgbImage(2, 1, Uint8Array.from([0, 128, 255, 10, 20, 30]));
    const exact = { ...PRESETS.imagenet, resize: { mode: 'exact', size: [2, 1] }, crop: null } as const;
    const { tensor } = preprocess(img, exact);
    expect(tensor.length).toBe(6);
    expect(tensor[0]).toBe(Math.fround(Math.fround(0 - Math.fround(0.485)) / Math.fround(0.229)));
    expect(tensor[1]).toBe(
      Math.fround(Math.fround(Math.fround(10 / 255) - Math.fround(0.485)) / Math.fround(0.229)),
    );
    expect(tensor[2]).toBe(
      Math.fround(Math.fround(Math.fround(128 / 255) - Math.fround(0.456)) / Math.fround(0.224)),
    );
    const caffe = preprocess(img, {
      ...PRESETS.caffe,
      resize: { mode: 'exact', size: [2, 1] },
      crop: null,
    }).tensor;
    // Channel 0 is blue minus 104.
    expect([caffe[0], caffe[1]]).toEqual([255 - 104, 30 - 104]);
    expect([caffe[4], caffe[5]]).toEqual([0 - 123, 10 - 123]);
    const mobile = preprocess(img, PRESETS.mobilenet, { inputWidth: 2, inputHeight: 1 }).tensor;
    expect(mobile[0]).toBe(-1);
    expect(mobile[2]).toBe(0);
  });
  it('pads with zero pixels where the crop is larger than the image', () => {
    const img = rgbImage(2, 2, new Uint8Array(12).fill(255));
    const cfg = { ...PRESETS.mobilenet, resize: { mode: 'exact', size: 2 }, crop: [4, 2] } as const;
    const { tensor, geometry } = preprocess(img, cfg);
    expect(geometry.cropX).toBe(-1);
    expect([...tensor.subarray(0, 4)]).toEqual([-1, 255 / 128 - 1, 255 / 128 - 1, -1].map(Math.fround));
  });
});

describe('preprocessing config sources', () => {
  it('reads metadata keys with precedence inside the metadata', () => {
    expect(preprocessFromMetadata({})).toBeNull();
    const o = preprocessFromMetadata({
      'Image.BitmapPixelFormat': 'Bgr8',
      'Image.NominalPixelRange': 'NominalRange_0_255',
      mean: '104, 117, 123',
      'cam_localize.preprocess': '{"crop": 224, "resize": 256}',
    });
    expect(o).toMatchObject({ channelOrder: 'bgr', scale: 1, mean: [104, 117, 123], crop: [224, 224] });
    expect(o?.resize).toEqual({ mode: 'shorter', size: 256 });
  });
  it('names the file and the key in errors', () => {
    const e1 = (() => {
      try {
        preprocessFromMetadata({ 'cam_localize.preprocess': '{"std": [1, 0, 1]}' }, 'm.onnx');
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(e1).toBeInstanceOf(DataError);
    expect(e1!.file).toBe('m.onnx');
    expect(e1!.message).toContain('cam_localize.preprocess.std');
    expect(() => preprocessFromMetadata({ mean: '1,2' })).toThrow(/mean/);
    expect(() => resolvePreprocess({ preset: 'nope' as 'imagenet' })).toThrow(UsageError);
  });
  it('finds and validates sidecar files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-localize-pre-'));
    const model = join(dir, 'net.onnx');
    expect(sidecarPaths(model)).toEqual([
      join(dir, 'net.preprocess.json'),
      join(dir, 'net.onnx.preprocess.json'),
    ]);
    expect(await readSidecarPreprocess(model)).toBeNull();
    writeFileSync(join(dir, 'net.onnx.preprocess.json'), '{"preset": "wsol", "mean": 0.5}');
    expect(await readSidecarPreprocess(model)).toEqual({ preset: 'wsol', mean: [0.5, 0.5, 0.5] });
    writeFileSync(join(dir, 'net.preprocess.json'), '{"crop": [224]}');
    await expect(readSidecarPreprocess(model)).rejects.toThrow(/crop/);
    writeFileSync(join(dir, 'net.preprocess.json'), '{"crop": ');
    await expect(readSidecarPreprocess(model)).rejects.toBeInstanceOf(DataError);
  });
  it('resolves overrides > sidecar > metadata > preset > imagenet', () => {
    expect(resolvePreprocess()).toEqual(PRESETS.imagenet);
    expect(resolvePreprocess({ preset: 'caffe' })).toEqual(PRESETS.caffe);
    const metadata = { mean: '[0.1, 0.2, 0.3]', channel_order: 'bgr' };
    const r = resolvePreprocess({
      preset: 'wsol',
      metadata,
      sidecar: { std: [2, 2, 2], channelOrder: 'rgb' },
      overrides: { interpolation: 'bicubic', crop: [200, 200] },
    });
    expect(r.resize).toEqual(PRESETS.wsol.resize);
    expect(r.mean).toEqual([0.1, 0.2, 0.3]);
    expect(r.std).toEqual([2, 2, 2]);
    expect(r.channelOrder).toBe('rgb');
    expect(r.interpolation).toBe('bicubic');
    expect(r.crop).toEqual([200, 200]);
    // A preset named by a higher layer starts over from it.
    expect(resolvePreprocess({ metadata, sidecar: { preset: 'mobilenet' } })).toEqual(PRESETS.mobilenet);
  });
});
