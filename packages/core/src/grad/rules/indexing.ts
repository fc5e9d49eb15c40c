/**
 * Selections and their inverses. A selection along one axis (Gather, a strided Slice) is a
 * constant 0/1 matrix S [kept, size]; its gradient is dY times S along that axis, which also
 * sums repeated indices. Contiguous slices pad instead; Concat and Split slice and concatenate.
 */
import type { RuleContext, RuleSpec } from '../rule-context.js';

/** dY with `axis` (of `rank`) moved last, times the [count, size] selection, moved back. */
function scatterAlong(
  ctx: RuleContext,
  dy: string,
  rank: number,
  axis: number,
  picked: readonly number[],
  size: number,
): string {
  const matrix = new Float32Array(picked.length * size);
  picked.forEach((p, k) => {
    matrix[k * size + p] = matrix[k * size + p]! + 1;
  });
  const last = rank - 1;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[axis] = last;
  perm[last] = axis;
  const moved = axis === last ? dy : ctx.op('Transpose', [dy], { perm: { ints: perm } });
  const spread = ctx.op('MatMul', [moved, ctx.f.floats('selection', [picked.length, size], matrix)]);
  return axis === last ? spread : ctx.op('Transpose', [spread], { perm: { ints: perm } });
}

const gather: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [data, indices] = ctx.node.inputs as [string, string];
    const shape = ctx.shape(data);
    const rank = shape.length;
    const axis = ctx.axis(ctx.attrInt('axis', 0), rank);
    const size = shape[axis]!;
    const picked = ctx.ints(indices).map((i) => (i < 0 ? i + size : i));
    const indexShape = ctx.shape(indices);
    if (indexShape.length === 0) {
      // One index: the axis is gone; put it back and pad around the picked position.
      const pads = Array(2 * rank).fill(0);
      pads[axis] = picked[0]!;
      pads[rank + axis] = size - 1 - picked[0]!;
      return [ctx.f.pad(ctx.f.unsqueeze(dy!, [axis]), pads)];
    }
    let grad = dy!;
    if (indexShape.length > 1) {
      const post = shape.slice(axis + 1);
      const merged = [...Array(axis).fill(0), picked.length, ...post];
      grad = ctx.op('Reshape', [grad, ctx.f.int64s('gather_shape', [merged.length], merged)]);
    }
    return [scatterAlong(ctx, grad, rank, axis, picked, size)];
  },
  differentiable: [0],
};

/** The indices a Python slice start:end:step keeps of `size` (ONNX clamps as Python does). */
export function sliceIndices(start: number, end: number, step: number, size: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number) => (v < 0 ? v + size : v);
  const out: number[] = [];
  if (step > 0) {
    for (let i = clamp(norm(start), 0, size); i < clamp(norm(end), 0, size); i += step) out.push(i);
  } else {
    for (let i = clamp(norm(start), -1, size - 1); i > clamp(norm(end), -1, size - 1); i += step) out.push(i);
  }
  return out;
}

const slice: RuleSpec = {
  rule: (ctx, [dy]) => {
    const x = ctx.node.inputs[0]!;
    const shape = ctx.shape(x);
    const rank = shape.length;
    const fromInputs = ctx.opset >= 10;
    const read = (i: number, attr: string) => {
      const name = ctx.node.inputs[i];
      return fromInputs
        ? name !== undefined && name !== ''
          ? ctx.ints(name)
          : undefined
        : ctx.attrInts(attr);
    };
    const starts = read(1, 'starts')!;
    const ends = read(2, 'ends')!;
    const axes = read(3, 'axes') ?? starts.map((_, i) => i);
    const steps = read(4, 'steps') ?? starts.map(() => 1);
    let grad = dy!;
    axes.forEach((a, i) => {
      const axis = ctx.axis(a, rank);
      const size = shape[axis]!;
      const kept = sliceIndices(starts[i]!, ends[i]!, steps[i]!, size);
      if (kept.length === size && steps[i] === 1) return; // the whole axis
      if (axis === 0) throw ctx.error('a slice of the batch axis has no rule');
      if (steps[i] === 1 && kept.length > 0) {
        const pads = Array(2 * rank).fill(0);
        pads[axis] = kept[0]!;
        pads[rank + axis] = size - 1 - kept[kept.length - 1]!;
        grad = ctx.f.pad(grad, pads);
      } else grad = scatterAlong(ctx, grad, rank, axis, kept, size);
    });
    return [grad];
  },
  differentiable: [0],
};

const concat: RuleSpec = {
  rule: (ctx, [dy]) => {
    const rank = ctx.rank(ctx.node.outputs[0]!);
    const axis = ctx.axis(ctx.attrInt('axis', 0), rank);
    let offset = 0;
    return ctx.node.inputs.map((input, i) => {
      const size = ctx.shape(input)[axis]!;
      const start = offset;
      offset += size;
      if (!ctx.needs(i)) return undefined;
      if (axis === 0) throw ctx.error('a concatenation along the batch axis has no rule');
      return ctx.f.slice(dy!, [start], [start + size], [axis]);
    });
  },
};

const split: RuleSpec = {
  rule: (ctx, grads) => {
    const x = ctx.node.inputs[0]!;
    const axis = ctx.axis(ctx.attrInt('axis', 0), ctx.rank(x));
    if (axis === 0) throw ctx.error('a split along the batch axis has no rule');
    const parts = ctx.node.outputs.map((o, i) => grads[i] ?? ctx.zerosLike(o));
    return [ctx.op('Concat', parts, { axis: { i: axis } })];
  },
  differentiable: [0],
};

const pad: RuleSpec = {
  rule: (ctx, [dy]) => {
    if (ctx.attrString('mode', 'constant') !== 'constant')
      throw ctx.error('only constant padding has a rule');
    const x = ctx.node.inputs[0]!;
    const shape = ctx.shape(x);
    const rank = shape.length;
    const padsInput = ctx.node.inputs[1];
    const pads = ctx.opset >= 11 ? ctx.ints(padsInput!) : ctx.attrInts('pads')!;
    const axesInput = ctx.node.inputs[3];
    const axes =
      axesInput !== undefined && axesInput !== ''
        ? ctx.ints(axesInput).map((a) => ctx.axis(a, rank))
        : Array.from({ length: rank }, (_, i) => i);
    const n = axes.length;
    // Positive pads are cut off again; negative ones (crops) are put back as zeros.
    const cutStarts: number[] = [];
    const cutEnds: number[] = [];
    const cutAxes: number[] = [];
    const back = Array(2 * rank).fill(0);
    axes.forEach((axis, i) => {
      const [begin, end] = [pads[i]!, pads[i + n]!];
      if (begin > 0 || end > 0) {
        cutAxes.push(axis);
        cutStarts.push(Math.max(begin, 0));
        cutEnds.push(Math.max(begin, 0) + shape[axis]! + Math.min(begin, 0) + Math.min(end, 0));
      }
      back[axis] = Math.max(-begin, 0);
      back[rank + axis] = Math.max(-end, 0);
    });
    let grad = cutAxes.length === 0 ? dy! : ctx.f.slice(dy!, cutStarts, cutEnds, cutAxes);
    if (back.some((p) => p > 0)) grad = ctx.f.pad(grad, back);
    return [grad];
  },
  differentiable: [0],
};

const where: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [condition, a, b] = ctx.node.inputs as [string, string, string];
    const y = ctx.node.outputs[0]!;
    const zero = ctx.scalar(0);
    return [
      undefined,
      ctx.needs(1) ? ctx.unbroadcast(ctx.op('Where', [condition, dy!, zero]), y, a) : undefined,
      ctx.needs(2) ? ctx.unbroadcast(ctx.op('Where', [condition, zero, dy!]), y, b) : undefined,
    ];
  },
  differentiable: [1, 2],
};

export const INDEXING_RULES: Readonly<Record<string, RuleSpec>> = {
  Gather: gather,
  Slice: slice,
  Concat: concat,
  Split: split,
  Pad: pad,
  Where: where,
};
