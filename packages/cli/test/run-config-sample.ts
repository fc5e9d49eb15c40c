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

/** A line of results.jsonl for image `id`, localized (IoU 0.8) or not (0.1), as `run` writes one. */
export function sampleRunRecord(id: string, found: boolean): Record<string, unknown> {
  return {
    id,
    file: `/data/set/${id}`,
    status: 'ok',
    width: 100,
    height: 80,
    gtClass: 1,
    gtName: 'one',
    gtBoxes: [[10, 10, 60, 50]],
    top: [{ class: 1, name: 'one', score: 0.9 }],
    predicted: { class: 1, boxes: [[12, 10, 58, 52]], iou: found ? 0.8 : 0.1 },
    loc: {
      gtKnownLoc: found,
      top1Loc: found,
      topKLoc: found,
      top1Cls: true,
      topKCls: true,
      predictedClassLoc: found,
    },
    boxAcc: { '30': found ? [[0, 400]] : [], '50': found ? [[0, 300]] : [], '70': [] },
  };
}
