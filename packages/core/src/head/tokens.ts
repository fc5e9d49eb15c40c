/**
 * Token heads: Vision Transformers have no spatial feature map and no global average; their
 * classifier reads one token (the class token) of a [N,T,C] token tensor. CAM still applies to the
 * patch tokens once they are laid out as a grid: drop the K leading class/distillation tokens and
 * read the T-K = h*w others as a [C,h,w] map (pytorch-grad-cam's `reshape_transform`), so every
 * method that needs only the features and forward passes of the model works unchanged.
 *
 * Detection, by structure: from a class-score output, back through an optional Softmax, the linear
 * classifier (Gemm, or MatMul(+Add)) and shape-only ops, to a Gather on the token axis (axis 1) with
 * a constant index: the class-token pick. Its data input is the token tensor used, i.e. the output
 * of the final LayerNorm: the tokens as the classifier sees them and the last point where every
 * patch token exists. (pytorch-grad-cam targets the last block's first norm instead, because the
 * gradient of the class token with respect to the last layer's patch tokens is zero; Score-CAM and
 * Eigen-CAM use no gradients: they read the features and mask the input, so the final tokens
 * serve. `featureTensor` picks any other [N,T,C] tensor.)
 * The grid comes from the patch embedding: a Conv on the model input whose kernel equals its
 * stride, followed by Reshape/Flatten and Transpose; its output's h x w is the grid, and K = T - h*w.
 * Without one, `tokenGrid` / `skipTokens` say it, or the grid is the square that T - K makes for
 * the smallest K in 0..8.
 */

import { CAM_METHOD_NAMES, CAM_METHODS, camMethodRequirements, isCamMethodName } from '../cam/registry.js';
import { HeadNotFoundError, UsageError } from '../errors.js';
import { describeNode, type OnnxModel, type OnnxNode } from '../onnx/schema.js';
import { constant, skipPassthrough } from './graph.js';
import type { StaticShape } from './shapes.js';
import type { CamHead, HeadOverrides, TokenLayout } from './types.js';

export type { TokenLayout } from './types.js';

/**
 * The CAM methods that work on token features: the rows of `CAM_METHODS` that need only the
 * features and forward passes of the model, there (Ablation-CAM measures its score drops by forward
 * passes with a channel zeroed where its closed form has no global average to rest on).
 */
export const TOKEN_FEATURE_METHODS: readonly string[] = CAM_METHOD_NAMES.filter(
  (name) => camMethodRequirements(name, 'tokens') !== undefined,
);

const TOKEN_HINT =
  'for a transformer, name the token tensor [N,T,C] and its grid: `featureTensor: <name>` `tokenGrid: HxW` ' +
  '[`skipTokens: K`]';

/** Largest number of leading tokens the square guess drops. */
const MAX_GUESSED_SKIP = 8;

interface ClassTokenPick {
  gather: OnnxNode;
  tokens: string;
  scoreTensor: string;
  numClasses: number | null;
  path: string[];
  softmax: boolean;
}

export interface TokenDetectionContext {
  /** Static shapes inferred for the graph. */
  readonly shapes: ReadonlyMap<string, StaticShape>;
  /** Why the GAP/class-map detection failed, for the message when this one fails too. */
  readonly reasons: readonly string[];
  /** Whether onnxruntime may be asked for shapes static inference cannot work out. */
  readonly probe: boolean;
  /** What to do when neither kind of head is found (the CNN overrides). */
  readonly hint: string;
}

/** A token head (or a HeadNotFoundError saying why neither kind of head was found). */
export async function detectTokenHead(
  model: OnnxModel,
  overrides: HeadOverrides,
  context: TokenDetectionContext,
): Promise<CamHead> {
  const file = model.path;
  const fail = (message: string, hint?: string) =>
    new HeadNotFoundError(message, {
      file,
      hint: hint ?? TOKEN_HINT,
    });
  if (overrides.classifierWeights !== undefined || overrides.classifierBias !== undefined) {
    throw new UsageError(
      'token features have no classifier over a pooled feature map: `classifierWeights`/`classifierBias` do not apply with `tokenGrid`/`skipTokens`',
      { file },
    );
  }
  const picks = model.graph.outputs.map((o) => classTokenPick(model, o.name));
  const pick = picks.find((p): p is ClassTokenPick => typeof p !== 'string');
  const tokensName = overrides.featureTensor ?? pick?.tokens;
  const headless = context.reasons.join('; ');
  if (tokensName === undefined && context.reasons.length === 0) {
    throw new UsageError(
      'token options (tokenGrid / skipTokens) given, but the model has no class-token head and no token tensor was named',
      {
        file,
        hint: 'name the token tensor [N,T,C] with `featureTensor`, or drop `tokenGrid`/`skipTokens`',
      },
    );
  }
  if (tokensName === undefined) {
    // Neither kind of head: the CNN message as it was, with the transformer options in the hint.
    throw fail(`no CAM head found in the model: ${headless}`, `${context.hint}; ${TOKEN_HINT}`);
  }
  const shapeOf = async (name: string): Promise<StaticShape> => {
    const known = context.shapes.get(name);
    if (known?.slice(1).every((d) => d !== null)) return known;
    if (!context.probe) throw fail(`the shape of '${name}' cannot be worked out without running the model`);
    const { probeTensorShape } = await import('../runtime/tensor-shape-probe.js');
    return probeTensorShape(model, name);
  };
  const shape = await shapeOf(tokensName);
  if (shape.length !== 3) {
    const why = `'${tokensName}' has shape [${shape.map((d) => d ?? 'N').join(',')}]; token features [N,T,C] are needed`;
    throw overrides.featureTensor === undefined
      ? fail(why)
      : fail(`no CAM head found in the model: ${headless}; ${why}`, `${context.hint}; ${TOKEN_HINT}`);
  }
  const [, count, channels] = shape as [number | null, number, number];
  const layout = await tokenLayout(model, count, overrides, shapeOf, fail);
  const scoreTensor = pick?.scoreTensor ?? model.graph.outputs[0]!.name;
  const numClasses = pick?.numClasses ?? (await shapeOf(scoreTensor))[1] ?? null;
  if (numClasses === null) throw fail(`the number of classes in '${scoreTensor}' is not known`);
  const given = overrides.featureTensor !== undefined && overrides.featureTensor !== pick?.tokens;
  return {
    kind: 'tokens',
    featureTensor: tokensName,
    featureShape: [
      model.realInputs()[0]?.shape?.[0] === 1 ? 1 : null,
      channels,
      layout.gridHeight,
      layout.gridWidth,
    ],
    channels,
    numClasses,
    weights: null,
    bias: null,
    scoreTensor,
    path: [...(given || pick === undefined ? ['(given)'] : []), ...(pick?.path ?? [])],
    softmax: pick?.softmax ?? false,
    tokens: layout,
  };
}

/** Output `output` as Gather(tokens, class index, axis 1) -> linear -> (Softmax); or why not. */
function classTokenPick(model: OnnxModel, output: string): ClassTokenPick | string {
  const tail: string[] = [];
  let node = model.producer(output);
  let softmax = false;
  if (node?.opType === 'Softmax' || node?.opType === 'LogSoftmax') {
    softmax = true;
    tail.unshift(node.opType);
    node = model.producer(node.inputs[0]!);
  }
  if (node === undefined) return `'${output}' is not computed in the graph`;
  [, node] = skipPassthrough(model, node.outputs[0]!, tail);
  let linear = node;
  const ops = [...tail];
  if (linear?.opType === 'Add') {
    linear = linear.inputs.map((i) => model.producer(i)).find((p) => p?.opType === 'MatMul');
    ops.unshift('Add');
  }
  if (linear === undefined || (linear.opType !== 'Gemm' && linear.opType !== 'MatMul')) {
    return `no linear classifier right before '${output}'`;
  }
  ops.unshift(linear.opType);
  const weights = constant(model, linear.inputs[1]);
  if (weights === undefined || weights.dims.length !== 2) {
    return `${describeNode(linear)} has no constant [C,K] weight`;
  }
  const transB = linear.opType === 'Gemm' && (linear.attributes.get('transB')?.i ?? 0) !== 0;
  const [, gather] = skipPassthrough(model, linear.inputs[0]!, ops);
  if (gather?.opType !== 'Gather' || (gather.attributes.get('axis')?.i ?? 0) !== 1) {
    return `${describeNode(linear)} feeding '${output}' reads neither a global average nor a class token (a Gather on axis 1)`;
  }
  const index = constant(model, gather.inputs[1]);
  if (index === undefined || index.size !== 1) {
    return `${describeNode(gather)} before '${output}' does not pick one constant token`;
  }
  return {
    gather,
    tokens: gather.inputs[0]!,
    scoreTensor: output,
    numClasses: weights.dims[transB ? 0 : 1]!,
    path: ['Gather', ...ops],
    softmax,
  };
}

async function tokenLayout(
  model: OnnxModel,
  count: number,
  overrides: HeadOverrides,
  shapeOf: (name: string) => Promise<StaticShape>,
  fail: (message: string, hint?: string) => Error,
): Promise<TokenLayout> {
  const { tokenGrid, skipTokens } = overrides;
  // A layout the caller gave that does not fit is a usage error; one found in the graph, a model error.
  const given = (message: string) =>
    new UsageError(message, {
      file: model.path,
      hint: 'give `tokenGrid: HxW` and `skipTokens: K` with H*W + K = T (`cam-localize inspect` shows T)',
    });
  if (skipTokens !== undefined && !(Number.isInteger(skipTokens) && skipTokens >= 0 && skipTokens < count)) {
    throw given(
      `skipTokens ${skipTokens} is not a whole number in 0..${count - 1} (the tensor has ${count} tokens)`,
    );
  }
  const check = (height: number, width: number, source: TokenLayout['source'], skip: number) => {
    if (skip < 0 || height * width + skip !== count) {
      const message =
        skip < 0
          ? `a ${height}x${width} grid needs ${height * width} tokens; the tensor has ${count}`
          : `${count} tokens do not make a ${height}x${width} grid after skipping ${skip} (${height * width + skip} needed)`;
      throw tokenGrid !== undefined || skipTokens !== undefined ? given(message) : fail(message);
    }
    // A derived skip beyond the class/distillation tokens is more likely a wrong grid: say so.
    if (skipTokens === undefined && skip > MAX_GUESSED_SKIP) {
      const message = `a ${height}x${width} grid leaves ${skip} of the ${count} tokens to skip (class/distillation tokens are 1 or 2)`;
      throw tokenGrid !== undefined
        ? given(`${message}; pass \`skipTokens: ${skip}\` if that is meant`)
        : fail(message);
    }
    return { count, skip, gridHeight: height, gridWidth: width, source };
  };
  if (tokenGrid !== undefined) {
    const [height, width] = tokenGrid;
    return check(height, width, 'given', skipTokens ?? count - height * width);
  }
  const embedding = patchEmbedding(model);
  if (embedding !== undefined) {
    const [, , height, width] = await shapeOf(embedding.outputs[0]!);
    if (typeof height === 'number' && typeof width === 'number') {
      return check(height, width, 'patch-embedding', skipTokens ?? count - height * width);
    }
  }
  for (let skip = skipTokens ?? 0; skip <= (skipTokens ?? Math.min(MAX_GUESSED_SKIP, count - 1)); skip++) {
    const side = Math.round(Math.sqrt(count - skip));
    if (side * side === count - skip) return check(side, side, 'square', skip);
  }
  throw fail(`${count} tokens make no square grid and no patch embedding was found`, 'give `tokenGrid: HxW`');
}

/** A Conv on the model input with kernel = stride > 1, then Reshape/Flatten and Transpose. */
function patchEmbedding(model: OnnxModel): OnnxNode | undefined {
  const input = model.realInputs()[0]?.name;
  if (input === undefined) return undefined;
  return model.consumers(input).find((n) => {
    if (n.opType !== 'Conv') return false;
    const kernel = n.attributes.get('kernel_shape')?.ints;
    const strides = n.attributes.get('strides')?.ints;
    if (kernel === undefined || strides === undefined || kernel.some((k, i) => k < 2 || k !== strides[i]))
      return false;
    return model
      .consumers(n.outputs[0]!)
      .some(
        (r) =>
          (r.opType === 'Reshape' || r.opType === 'Flatten') &&
          model.consumers(r.outputs[0]!).some((t) => t.opType === 'Transpose'),
      );
  });
}

/**
 * One image's tokens [T*C] (token-major) as the [C, h, w] grid of its patch tokens; `out` (C*h*w)
 * is filled when given.
 */
export function tokensToGrid(
  tokens: Float32Array,
  layout: TokenLayout,
  channels: number,
  out = new Float32Array(channels * layout.gridHeight * layout.gridWidth),
): Float32Array {
  const size = layout.gridHeight * layout.gridWidth;
  if (tokens.length !== layout.count * channels) {
    throw new UsageError(`token features hold ${tokens.length} values, expected ${layout.count}x${channels}`);
  }
  for (let p = 0; p < size; p++) {
    const row = (layout.skip + p) * channels;
    for (let c = 0; c < channels; c++) out[c * size + p] = tokens[row + c]!;
  }
  return out;
}

/**
 * Refuses a CAM method that cannot use this head. On token features and other layers without a
 * GAP-linear head only the methods that need the features, forward passes or real gradients
 * apply; the closed forms need a global average feeding a linear classifier. `gradients`: whether
 * the model computes real gradients (loaded with a backward graph).
 */
export function assertMethodFitsHead(
  head: CamHead,
  method: string,
  file: string | undefined,
  gradients = false,
): void {
  if (head.kind !== 'tokens' && head.kind !== 'layer') return;
  const needs = isCamMethodName(method) ? camMethodRequirements(method, head.kind) : undefined;
  if (needs !== undefined && (gradients || !needs.includes('gradients'))) return;
  const usable = CAM_METHOD_NAMES.filter((m) => {
    const n = camMethodRequirements(m, head.kind);
    return n !== undefined && (gradients || !n.includes('gradients'));
  });
  const what =
    head.kind === 'tokens'
      ? `its classifier reads the class token (${head.path.join(' -> ')}) of the token features '${head.featureTensor}', not a global average of a feature map`
      : `the layer '${head.featureTensor}' does not feed a linear classifier through a global average`;
  const reason =
    needs === undefined
      ? `so the closed form '${method}' is built on does not exist`
      : `so '${method}' needs real gradients, and the model was loaded without its backward graph`;
  throw new UsageError(`the CAM method '${method}' does not apply to this model: ${what}, ${reason}`, {
    file,
    hint:
      needs === undefined
        ? `use \`method: ${usable.join(', ')}\`${gradients ? '' : `, or a gradient method by backprop: ${CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].backprop === true).join(', ')}`}`
        : 'load the model with a layer to differentiate (`backprop`; the CLI does this for gradient methods)',
  });
}

/** "token features [197,192] -> grid 14x14, skip 1 (from the patch embedding)", for inspect. */
export function describeTokenLayout(layout: TokenLayout, channels: number): string {
  const from = { 'patch-embedding': 'the patch embedding', given: 'given', square: 'guessed: a square' }[
    layout.source
  ];
  return `token features [${layout.count},${channels}] -> grid ${layout.gridHeight}x${layout.gridWidth}, skip ${layout.skip} (${from})`;
}
