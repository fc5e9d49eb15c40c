/**
 * The layer a gradient method explains: named by its tensor or by a node-name prefix (`/layer3/`,
 * the output of the last node under it), and how its values make a [K, h, w] grid: channels first
 * (NCHW), channels last (NHWC: Swin) or tokens (ViT: [N, T, C], leading tokens skipped).
 */
import { UsageError } from '../errors.js';
import type { TokenLayout } from '../head/tokens.js';
import type { OnnxModel } from '../onnx/schema.js';

/** What the caller says about the layer; every field optional. */
export interface LayerRequest {
  /** Tensor names or node-name prefixes, one per layer (several: Layer-CAM's fusion). */
  readonly layers?: readonly string[];
  /** The layout of a rank-4 layer; default: channels last when the last two dims differ and dims 1 and 2 agree. */
  readonly layout?: 'nchw' | 'nhwc';
  /** Token layers: the grid [height, width] of the patch tokens (default: the largest square). */
  readonly tokenGrid?: readonly [number, number];
  /** Token layers: leading tokens to skip (default: tokens minus the grid). */
  readonly skipTokens?: number;
  /** Build the backward graph even where a closed form applies (to hold one against the other). */
  readonly always?: boolean;
  /**
   * The method reads the features alone (Eigen-CAM): a detected head, tokens included, serves it
   * as it is; the layer is taken by the backward graph's rules only where no head is found.
   */
  readonly featuresOnly?: boolean;
}

export type LayerGrid =
  | {
      readonly layout: 'nchw' | 'nhwc';
      readonly channels: number;
      readonly height: number;
      readonly width: number;
    }
  | {
      readonly layout: 'tokens';
      readonly channels: number;
      readonly height: number;
      readonly width: number;
      readonly tokens: TokenLayout;
    };

/** A tensor name, or the last output of the last node (in graph order) whose name starts with `spec`. */
export function resolveLayerName(model: OnnxModel, spec: string): string {
  const known = model.producer(spec) !== undefined || model.graph.inputs.some((i) => i.name === spec);
  if (known) return spec;
  const nodes = model.graph.nodes.filter((n) => n.name.startsWith(spec));
  const last = nodes[nodes.length - 1];
  const output = last?.outputs.find((o) => o !== '');
  if (output === undefined) {
    throw new UsageError(`no tensor and no node name starts with '${spec}'`, {
      file: model.path,
      hint: '`cam-localize inspect MODEL --layers` lists the candidate layers',
    });
  }
  return output;
}

/** How one image's values of a layer of shape `dims` (batch first) make a grid. */
export function layerGrid(
  dims: readonly number[],
  request: LayerRequest,
  name: string,
  file: string,
): LayerGrid {
  const shape = dims.slice(1);
  if (shape.length === 3) {
    const [h, w, c] = shape as [number, number, number];
    const layout = request.layout ?? (h === w && w !== c ? 'nhwc' : 'nchw');
    return layout === 'nhwc'
      ? { layout, channels: c, height: h, width: w }
      : { layout, channels: h, height: w, width: c };
  }
  if (shape.length === 2) {
    const [count, channels] = shape as [number, number];
    const [height, width] =
      request.tokenGrid ?? ((s) => [s, s] as const)(Math.floor(Math.sqrt(count - (request.skipTokens ?? 0))));
    const skip = request.skipTokens ?? count - height * width;
    if (skip < 0 || skip + height * width !== count) {
      throw new UsageError(
        `layer '${name}' has ${count} tokens: ${skip} skipped + a ${height}x${width} grid do not add up`,
        {
          file,
          hint: 'give `tokenGrid: HxW` and `skipTokens: K`',
        },
      );
    }
    const source = request.tokenGrid === undefined ? 'square' : 'given';
    return {
      layout: 'tokens',
      channels,
      height,
      width,
      tokens: { count, skip, gridHeight: height, gridWidth: width, source },
    };
  }
  throw new UsageError(
    `layer '${name}' has shape [${dims.join(',')}]: a gradient CAM needs [N,C,H,W], [N,H,W,C] or tokens [N,T,C]`,
    { file, hint: '`cam-localize inspect MODEL --layers` lists the candidate layers' },
  );
}

/** One image's layer values (`values`, in the layer's layout) as the [K, h, w] grid. */
export function valuesToGrid(values: Float32Array, grid: LayerGrid): Float32Array {
  if (grid.layout === 'nchw') return values;
  const { channels, height, width } = grid;
  const size = height * width;
  const out = new Float32Array(channels * size);
  const skip = grid.layout === 'tokens' ? grid.tokens.skip : 0;
  for (let p = 0; p < size; p++) {
    const row = (skip + p) * channels;
    for (let c = 0; c < channels; c++) out[c * size + p] = values[row + c]!;
  }
  return out;
}

/** The class scores a gradient starts from: the model's output, or the logits of a final Softmax. */
export function logitsOf(model: OnnxModel, scores: string): string {
  const producer = model.producer(scores);
  return producer?.opType === 'Softmax' ? producer.inputs[0]! : scores;
}

/** The input of the global average before the classifier: the default layer when no head is found. */
export function pooledLayer(model: OnnxModel, scores: string): string | undefined {
  let tensor = logitsOf(model, scores);
  for (let step = 0; step < 64; step++) {
    const node = model.producer(tensor);
    if (node === undefined) return undefined;
    if (['GlobalAveragePool', 'ReduceMean', 'AveragePool'].includes(node.opType)) return node.inputs[0];
    const next = node.inputs.find(
      (i) => i !== '' && model.initializer(i) === undefined && model.producer(i)?.opType !== 'Constant',
    );
    if (next === undefined) return undefined;
    tensor = next;
  }
  return undefined;
}

/**
 * The default layer of a transformer for gradient methods: the input of the last attention (its
 * Softmax's Q/K source, the last block's first norm in torchvision's ViT, pytorch-grad-cam's
 * choice). The head's own token features get no gradient on the patch tokens, whose only path to
 * the class token is attention. Undefined when no Softmax precedes the head.
 */
export function lastAttentionInputs(model: OnnxModel, tokenFeatures: string): string[] {
  const nodes = model.graph.nodes;
  const end = nodes.findIndex((n) => n.outputs.includes(tokenFeatures));
  const softmax = nodes
    .slice(0, end < 0 ? nodes.length : end)
    .filter((n) => n.opType === 'Softmax')
    .pop();
  if (softmax === undefined) return [];
  // Breadth first from the Softmax: the nearest ancestors first (the probe then picks the first
  // with the token features' shape).
  const seen = new Set<string>();
  const order: string[] = [];
  let frontier = [...softmax.inputs];
  for (let depth = 0; depth < 16 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      if (t === '' || seen.has(t) || model.initializer(t) !== undefined) continue;
      seen.add(t);
      const producer = model.producer(t);
      if (producer === undefined || producer.opType === 'Constant') continue;
      order.push(t);
      next.push(...producer.inputs);
    }
    frontier = next;
  }
  return order;
}
