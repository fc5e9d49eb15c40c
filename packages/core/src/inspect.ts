/**
 * What the tool sees in a model: input, batch, the CAM head (feature tensor, shapes, classes),
 * and how each CAM method runs on it: in closed form, by backprop through the graph, by forward
 * passes, or not at all. A model without a closed-form head (a two-layer head, a norm after the
 * pooling) is described by the layer the gradient methods explain by default.
 */
import { CAM_METHOD_NAMES, CAM_METHODS, type CamMethodName, camMethodRequirements } from './cam/registry.js';
import { HeadNotFoundError } from './errors.js';
import { needsBackprop, prepareBackprop } from './grad/backprop-model.js';
import { type LayerRequest, pooledLayer } from './grad/layer.js';
import { type LayerCandidate, layerCandidates } from './grad/layer-candidates.js';
import { type CamHead, detectCamHead, type HeadOverrides } from './head/detect.js';
import { describeTokenLayout, type TokenLayout } from './head/tokens.js';
import { readOnnxModel } from './onnx/read-model.js';
import type { OnnxModel } from './onnx/schema.js';

/** How a method runs on the model: its form, or why it does not apply. */
export interface MethodForm {
  readonly method: CamMethodName;
  readonly form: 'closed form' | 'backprop' | 'forward passes' | 'features only' | 'not applicable';
  readonly note?: string;
}

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
  headKind: 'gap-linear' | 'class-map' | 'tokens' | 'layer';
  /** Why plain CAM does not apply (no closed-form head was found), when so. */
  headProblem?: string;
  /** How a transformer's tokens make the feature grid (token heads only). */
  tokens?: TokenLayout;
  headPath: string[];
  scoreTensor: string;
  softmax: boolean;
  methods: MethodForm[];
  /** Candidate layers for --layer (when asked for). */
  layers?: LayerCandidate[];
  opset: number;
  irVersion: number;
  producer: string;
  metadata: Record<string, string>;
}

export interface InspectOptions {
  /** The layer the gradient methods explain (default: the head's features, or the pooled layer). */
  readonly backprop?: LayerRequest;
  /** List the candidate layers (one more probe run). */
  readonly layers?: boolean;
}

/**
 * Reads a model and detects its CAM head. A model without one is described by its gradient layer
 * when gradients reach it; otherwise (nothing any method can use) HeadNotFoundError.
 */
export async function inspectModel(
  pathOrModel: string | OnnxModel,
  overrides: HeadOverrides = {},
  options: InspectOptions = {},
): Promise<ModelInspection> {
  const model = typeof pathOrModel === 'string' ? await readOnnxModel(pathOrModel) : pathOrModel;
  const input = model.realInputs()[0];
  const inputShape = (input?.shape ?? []).map((d) => d ?? '?');
  const dim = (i: number) => {
    const d = inputShape[i];
    return typeof d === 'number' ? d : null;
  };
  const probeDims = [2, 3, dim(2) ?? 224, dim(3) ?? 224];
  let head: CamHead | undefined;
  let headProblem: string | undefined;
  try {
    head = await detectCamHead(model, overrides);
  } catch (error) {
    if (!(error instanceof HeadNotFoundError)) throw error;
    const layer = options.backprop?.layers ?? pooledLayer(model, model.graph.outputs[0]?.name ?? '');
    if (layer === undefined) throw error;
    headProblem = error.message;
    head = (
      await prepareBackprop(model, { ...options.backprop, layers: [layer].flat() }, probeDims, undefined)
    ).head;
  }
  const request = options.backprop ?? {};
  const gradientHead =
    head.kind !== 'layer' && needsBackprop(model, request, head) && request.layers !== undefined
      ? (await prepareBackprop(model, request, probeDims, head)).head
      : head;
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
    ...(headProblem === undefined ? {} : { headProblem }),
    headPath: [...head.path],
    scoreTensor: head.scoreTensor,
    softmax: head.softmax,
    ...(head.tokens === undefined ? {} : { tokens: head.tokens }),
    methods: methodForms(head, gradientHead),
    ...(options.layers === true ? { layers: await layerCandidates(model, head.scoreTensor, probeDims) } : {}),
    opset: model.opset,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter((s) => s !== '').join(' '),
    metadata: { ...model.metadata },
  };
}

/** Each method's form on `head`; gradient methods off it run by backprop at `gradientHead`'s layer. */
function methodForms(head: CamHead, gradientHead: CamHead): MethodForm[] {
  return CAM_METHOD_NAMES.map((method): MethodForm => {
    const spec = CAM_METHODS[method];
    const atLayer = gradientHead !== head;
    const kind = atLayer && spec.backprop === true ? gradientHead.kind : head.kind;
    const needs = camMethodRequirements(method, kind);
    if (needs === undefined)
      return {
        method,
        form: 'not applicable',
        note: 'its closed form needs a linear head over a global average',
      };
    if (needs.includes('gradients')) return { method, form: 'backprop' };
    if (needs.includes('forward-passes')) return { method, form: 'forward passes' };
    if (needs.includes('gap-linear-head'))
      return { method, form: atLayer && spec.backprop === true ? 'backprop' : 'closed form' };
    return { method, form: 'features only' };
  });
}

/** A few aligned human-readable lines. */
export function formatInspection(x: ModelInspection): string {
  const shape = (s: readonly (number | string | null)[]) =>
    `[${s.map((d) => (d === null ? 'N' : d)).join(', ')}]`;
  const byForm = new Map<string, string[]>();
  for (const m of x.methods) byForm.set(m.form, [...(byForm.get(m.form) ?? []), m.method]);
  const rows: [string, string][] = [
    ['model', x.file],
    ['input', `${x.inputName} ${shape(x.inputShape)} float32 NCHW`],
    ['batch', x.batch === 'dynamic' ? 'dynamic' : `fixed at ${x.batch}`],
    [
      'input size',
      x.inputWidth !== null && x.inputHeight !== null ? `${x.inputWidth}x${x.inputHeight}` : 'dynamic',
    ],
    [
      'head',
      x.headKind === 'layer'
        ? `none for plain CAM (${x.headProblem ?? 'no linear head over a global average'}); gradient methods apply by backprop`
        : `${x.headKind}: ${x.headPath.join(' -> ')}`,
    ],
    [x.headKind === 'layer' ? 'layer' : 'feature tensor', `${x.featureTensor} ${shape(x.featureShape)}`],
    ...(x.tokens === undefined
      ? []
      : ([['tokens', describeTokenLayout(x.tokens, x.channels)]] as [string, string][])),
    ['channels', String(x.channels)],
    ['classes', `${x.numClasses} (scores '${x.scoreTensor}'${x.softmax ? ', after Softmax' : ''})`],
    ...[...byForm.entries()].map(([form, methods]): [string, string] => [form, methods.join(', ')]),
    ['opset', `${x.opset} (IR ${x.irVersion}${x.producer === '' ? '' : `, ${x.producer}`})`],
  ];
  const meta = Object.entries(x.metadata);
  if (meta.length > 0) rows.push(['metadata', meta.map(([k, v]) => `${k}=${v}`).join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (x.layers !== undefined) {
    lines.push('', 'layers (`layer: NAME`; gradient methods by backprop):');
    const nameWidth = Math.max(...x.layers.map((l) => l.name.length), 4);
    for (const l of x.layers) {
      const note = l.blockedBy === undefined ? '' : `  no gradient: ${l.blockedBy} has no rule`;
      lines.push(
        `  ${l.name.padEnd(nameWidth)}  ${shape(l.shape.map((d, i) => (i === 0 ? null : d)))}${note}`,
      );
    }
  }
  return lines.join('\n');
}
