/** A complete config.json of a `run`, as tests of reports and replays need one. */
export function sampleRunConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    command: 'run',
    dataset: '/data/set',
    format: 'wsol-metadata',
    model: '/models/m.onnx',
    labels: null,
    protocol: 'cam-localize',
    method: 'cam',
    target: 'predicted',
    normalization: 'relu-minmax',
    threshold: '0.2',
    boxes: 'largest',
    boxAccuracy: { multiContour: true, iouLevels: [30, 50, 70] },
    connectivity: 8,
    minArea: 1,
    device: 'cpu',
    batch: 8,
    limit: null,
    preprocess: {},
    preprocessFlags: {},
    head: { featureTensor: null, classifierWeights: null, classifierBias: null },
    ...overrides,
  };
}
