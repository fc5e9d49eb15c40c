/**
 * What the tool sees in a model: input, batch, the CAM head (feature tensor, shapes, classes).
 */
import { detectCamHead, type HeadOverrides } from './head/detect.js';
import { describeTokenLayout, TOKEN_FEATURE_METHODS, type TokenLayout } from './head/tokens.js';
import { readOnnxModel } from './onnx/read-model.js';
import type { OnnxModel } from './onnx/schema.js';

export interface ModelInspection {
  file: string;
  inputName: string;
  inputShape: (number | string)[];
  batch: number | 'dynamic';
  inputWidth: number | null;
  inputHeight: number | null;
  featureTensor: string;
  featureShape: (number | null)[];
  channels: number;
  numClasses: number;
  headKind: 'gap-linear' | 'class-map' | 'tokens';
  /** How a transformer's tokens make the feature grid (token heads only). */
  tokens?: TokenLayout;
  headPath: string[];
  scoreTensor: string;
  softmax: boolean;
  opset: number;
  irVersion: number;
  producer: string;
  metadata: Record<string, string>;
}

/** Reads a model and detects its CAM head. Throws HeadNotFoundError for a model CAM cannot use. */
export async function inspectModel(
  pathOrModel: string | OnnxModel,
  overrides: HeadOverrides = {},
): Promise<ModelInspection> {
  const model = typeof pathOrModel === 'string' ? await readOnnxModel(pathOrModel) : pathOrModel;
  const head = await detectCamHead(model, overrides);
  const input = model.realInputs()[0];
  const inputShape = (input?.shape ?? []).map((d) => d ?? '?');
  const dim = (i: number) => {
    const d = inputShape[i];
    return typeof d === 'number' ? d : null;
  };
  const b = inputShape[0];
  return {
    file: model.path,
    inputName: input?.name ?? '',
    inputShape,
    batch: typeof b === 'number' ? b : 'dynamic',
    inputWidth: dim(3),
    inputHeight: dim(2),
    featureTensor: head.featureTensor,
    featureShape: [...head.featureShape],
    channels: head.channels,
    numClasses: head.numClasses,
    headKind: head.kind,
    headPath: [...head.path],
    scoreTensor: head.scoreTensor,
    softmax: head.softmax,
    ...(head.tokens === undefined ? {} : { tokens: head.tokens }),
    opset: model.opset,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter((s) => s !== '').join(' '),
    metadata: { ...model.metadata },
  };
}

/** A few aligned human-readable lines. */
export function formatInspection(x: ModelInspection): string {
  const shape = (s: readonly (number | string | null)[]) =>
    `[${s.map((d) => (d === null ? 'N' : d)).join(', ')}]`;
  const rows: [string, string][] = [
    ['model', x.file],
    ['input', `${x.inputName} ${shape(x.inputShape)} float32 NCHW`],
    ['batch', x.batch === 'dynamic' ? 'dynamic' : `fixed at ${x.batch}`],
    [
      'input size',
      x.inputWidth !== null && x.inputHeight !== null ? `${x.inputWidth}x${x.inputHeight}` : 'dynamic',
    ],
    ['head', `${x.headKind}: ${x.headPath.join(' -> ')}`],
    ['feature tensor', `${x.featureTensor} ${shape(x.featureShape)}`],
    ...(x.tokens === undefined
      ? []
      : ([
          ['tokens', describeTokenLayout(x.tokens, x.channels)],
          ['methods', `${TOKEN_FEATURE_METHODS.join(', ')} (a class-token head has no closed-form CAM)`],
        ] as [string, string][])),
    ['channels', String(x.channels)],
    ['classes', `${x.numClasses} (scores '${x.scoreTensor}'${x.softmax ? ', after Softmax' : ''})`],
    ['opset', `${x.opset} (IR ${x.irVersion}${x.producer === '' ? '' : `, ${x.producer}`})`],
  ];
  const meta = Object.entries(x.metadata);
  if (meta.length > 0) rows.push(['metadata', meta.map(([k, v]) => `${k}=${v}`).join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
