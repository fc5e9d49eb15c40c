import { describe, expect, it } from 'vitest';
import {
  CAM_METHOD_NAMES,
  CAM_METHODS,
  CamMethod,
  camMethodNeeds,
  createCamMethod,
  DEVICE_CAM_METHODS,
  type GradCamPlusPlus,
  HeadCam,
  useDeviceCam,
} from '../../src/cam/index.js';
import type { CamHead } from '../../src/head/detect.js';

const head: CamHead = {
  kind: 'gap-linear',
  featureTensor: 'features',
  featureShape: [null, 2, 3, 3],
  channels: 2,
  numClasses: 2,
  weights: new Float32Array([1, -1, 0.5, 2]),
  bias: null,
  scoreTensor: 'logits',
  path: ['GlobalAveragePool', 'Flatten', 'Gemm'],
  softmax: false,
};

describe('CAM_METHODS', () => {
  it('names every method once, and each row creates its method', () => {
    expect(CAM_METHOD_NAMES).toEqual(Object.keys(CAM_METHODS));
    for (const name of CAM_METHOD_NAMES) expect(createCamMethod(name)).toBeInstanceOf(CamMethod);
    expect(CAM_METHOD_NAMES.filter((m) => camMethodNeeds(m, 'forward-passes'))).toEqual([
      'scorecam',
      'sscam',
      'iscam',
    ]);
    for (const method of DEVICE_CAM_METHODS) expect(CAM_METHOD_NAMES).toContain(method);
  });

  it('passes compat to the method and refuses a library the method does not reproduce', () => {
    expect((createCamMethod('gradcampp', { compat: 'pytorch-grad-cam' }) as GradCamPlusPlus).eps).toBe(1e-6);
    expect(() => createCamMethod('sscam', { compat: 'pytorch-grad-cam' })).toThrow(
      /`compat: pytorch-grad-cam`: sscam does not reproduce/,
    );
    expect(() => createCamMethod('nope' as 'cam')).toThrow(/unknown CAM method 'nope'/);
  });

  it('keeps the compat variants that differ from the paper off the device graph', () => {
    const request = { mode: 'on', normalization: 'relu-minmax', targets: 1, maxRank: 1 } as const;
    expect(() =>
      useDeviceCam({ ...request, method: 'gradcampp', compat: 'pytorch-grad-cam' }, head, 13, 'cpu', false),
    ).toThrow(/the pytorch-grad-cam variant of gradcampp is not computed in the graph/);
    expect(
      useDeviceCam({ ...request, method: 'gradcam', compat: 'pytorch-grad-cam' }, head, 13, 'cpu', false),
    ).toBe(true);
    expect(() => useDeviceCam({ ...request, method: 'scorecam' }, head, 13, 'cpu', false)).toThrow(
      /the graph computes cam, gradcam, gradcampp, smoothgradcampp, xgradcam, layercam, hirescam, not 'scorecam'/,
    );
  });

  it('a HeadCam without a session refuses the methods that need forward passes', async () => {
    const headCam = new HeadCam(head, 3, 3);
    const inputs = { features: new Float32Array(18).fill(1), scores: new Float32Array(2) };
    await expect(headCam.cam(inputs, 0, { method: 'sscam' })).rejects.toThrow(/'sscam' needs forward passes/);
    await expect(headCam.cam(inputs, 0, { method: 'ablationcam' })).resolves.toBeDefined();
  });

  it('each row says which forms its method has, and the method file has exactly those', () => {
    for (const name of CAM_METHOD_NAMES) {
      const spec = CAM_METHODS[name];
      const method = createCamMethod(name) as unknown as Record<string, unknown>;
      expect(typeof method.graphWeights === 'function', `${name} graph`).toBe(spec.graph === true);
      expect(typeof method.graphGradientMap === 'function', `${name} backprop in the graph`).toBe(
        spec.backprop === true,
      );
      expect(typeof method.gradientMap === 'function', `${name} backprop`).toBe(spec.backprop === true);
    }
    expect(DEVICE_CAM_METHODS).toEqual(CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].graph === true));
  });
});
