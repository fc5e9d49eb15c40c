/**
 * Pools and reductions: averages spread the gradient evenly over what they averaged; a max pool
 * sends it to the element that won each window (the indices MaxPool itself reports).
 */
import type { AttributeValue } from '../../onnx/graph-fragment.js';
import type { RuleContext, RuleSpec } from '../rule-context.js';
import { spreadBack, type Window, windowOf } from './window.js';

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** dY (with the reduced axes kept) spread over x's shape, times `scale`. */
function spread(ctx: RuleContext, dy: string, x: string, scale: number): string {
  const scaled = scale === 1 ? dy : ctx.op('Mul', [dy, ctx.scalar(scale)]);
  return ctx.op('Expand', [scaled, ctx.op('Shape', [x])]);
}

const globalAveragePool: RuleSpec = {
  rule: (ctx, [dy]) => {
    const x = ctx.node.inputs[0]!;
    return [spread(ctx, dy!, x, 1 / product(ctx.shape(x).slice(2)))];
  },
};

/** ReduceMean / ReduceSum: axes by attribute or (ReduceSum from 13, ReduceMean from 18) input. */
function reduction(mean: boolean): RuleSpec {
  return {
    rule: (ctx, [dy]) => {
      const x = ctx.node.inputs[0]!;
      const rank = ctx.rank(x);
      const axesInput = ctx.node.inputs[1];
      let axes = axesInput !== undefined && axesInput !== '' ? ctx.ints(axesInput) : ctx.attrInts('axes');
      if (axes === undefined || axes.length === 0) {
        if (ctx.attrInt('noop_with_empty_axes', 0) === 1) return [dy!];
        axes = Array.from({ length: rank }, (_, i) => i);
      }
      const normalised = axes.map((a) => ctx.axis(a, rank)).sort((a, b) => a - b);
      if (mean && normalised.includes(0)) throw ctx.error('a mean over the batch axis has no rule');
      const kept = ctx.attrInt('keepdims', 1) === 1 ? dy! : ctx.f.unsqueeze(dy!, normalised);
      const count = product(normalised.map((a) => ctx.shape(x)[a]!));
      return [spread(ctx, kept, x, mean ? 1 / count : 1)];
    },
    differentiable: [0],
  };
}

/**
 * One over the number of cells each output cell averaged: the window cut to the input, or to the
 * padded input when pads count (count_include_pad); ceil_mode windows past it count less.
 */
function averageWeights(w: Window, includePad: boolean): Float32Array {
  const d = w.output.length;
  const cover = (o: number, i: number) => {
    const start = o * w.strides[i]! - w.pads[i]!;
    const [lo, hi] = includePad ? [-w.pads[i]!, w.input[i]! + w.pads[i + d]!] : [0, w.input[i]!];
    return Math.min(start + w.kernel[i]!, hi) - Math.max(start, lo);
  };
  const size = w.output.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(size);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let count = 1;
    for (let i = d - 1; i >= 0; i--) {
      count *= cover(rest % w.output[i]!, i);
      rest = Math.floor(rest / w.output[i]!);
    }
    weights[flat] = 1 / count;
  }
  return weights;
}

const averagePool: RuleSpec = {
  rule: (ctx, [dy]) => {
    const x = ctx.node.inputs[0]!;
    const kernel = ctx.attrInts('kernel_shape')!;
    const w = windowOf(ctx, kernel);
    const channels = ctx.shape(x)[1]!;
    const weights = averageWeights(w, ctx.attrInt('count_include_pad', 0) === 1);
    const scaled = ctx.op('Mul', [dy!, ctx.f.floats('average_weights', [1, 1, ...w.output], weights)]);
    const ones = ctx.f.floats(
      'ones',
      [channels, 1, ...kernel],
      new Float32Array(channels * product(kernel)).fill(1),
    );
    return [spreadBack(ctx, scaled, ones, w, channels)];
  },
};

const maxPool: RuleSpec = {
  rule: (ctx, [dy]) => {
    const x = ctx.node.inputs[0]!;
    if (ctx.opset < 11) throw ctx.error('MaxPool needs opset 11 (ScatterElements)');
    if (ctx.attrInt('storage_order', 0) !== 0) throw ctx.error('a column-major MaxPool has no rule');
    const kernel = ctx.attrInts('kernel_shape')!;
    const w = windowOf(ctx, kernel);
    const overlapping = kernel.some((k, i) => (k - 1) * w.dilations[i]! + 1 > w.strides[i]!);
    if (overlapping && ctx.opset < 16)
      throw ctx.error('overlapping MaxPool windows need opset 16 (a scatter that adds)');
    const attributes: Record<string, AttributeValue> = {};
    for (const a of ctx.node.attributes.values()) {
      if (a.ints !== undefined) attributes[a.name] = { ints: a.ints };
      else if (a.i !== undefined) attributes[a.name] = { i: a.i };
      else if (a.s !== undefined) attributes[a.name] = { s: a.s };
    }
    // The same pool again, this time with its second output: flat indices into the whole tensor.
    const values = ctx.f.name('maxpool_values');
    const indices = ctx.f.name('maxpool_indices');
    ctx.f.nodeTo('MaxPool', [x], [values, indices], attributes);
    const flat = (t: string) => ctx.op('Reshape', [t, ctx.f.int64s('flat', [1], [-1])]);
    const zeros = flat(ctx.zerosLike(x));
    const scattered = ctx.op(
      'ScatterElements',
      [zeros, flat(indices), flat(dy!)],
      overlapping ? { axis: { i: 0 }, reduction: { s: 'add' } } : { axis: { i: 0 } },
    );
    return [ctx.op('Reshape', [scattered, ctx.op('Shape', [x])])];
  },
};

export const POOLING_RULES: Readonly<Record<string, RuleSpec>> = {
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: {
    rule: (ctx, [dy]) => {
      const x = ctx.node.inputs[0]!;
      const winner = ctx.f.cast(ctx.op('Equal', [x, ctx.node.outputs[0]!]), 1);
      return [ctx.op('Mul', [winner, dy!])];
    },
  },
  ReduceMean: reduction(true),
  ReduceSum: reduction(false),
  AveragePool: averagePool,
  MaxPool: maxPool,
};
