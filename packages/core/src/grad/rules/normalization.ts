/**
 * Normalisations. LayerNormalization (opset 17) is differentiated through its statistics, which
 * the backward recomputes from the input; its decomposed form (ReduceMean, Sub, Pow, Sqrt, Div)
 * needs no rule of its own. BatchNormalization at inference is an affine map per channel.
 */
import type { RuleSpec } from '../rule-context.js';

/** dX = inv (g - mean(g) - x̂ mean(g x̂)), g = dY scale, over the normalised axes. */
const layerNormalization: RuleSpec = {
  rule: (ctx, [dy]) => {
    if (ctx.needs(1) || ctx.needs(2)) throw ctx.error('the scale or bias lies on the path');
    const [x, scale] = ctx.node.inputs as [string, string];
    const rank = ctx.rank(x);
    const first = ctx.axis(ctx.attrInt('axis', -1), rank);
    const axes = Array.from({ length: rank - first }, (_, i) => first + i);
    const mean = (t: string) => ctx.f.reduce('ReduceMean', t, axes, true);
    const centred = ctx.op('Sub', [x, mean(x)]);
    const variance = mean(ctx.op('Mul', [centred, centred]));
    const inv = ctx.op('Reciprocal', [
      ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(ctx.attrFloat('epsilon', 1e-5))])]),
    ]);
    const normalised = ctx.op('Mul', [centred, inv]);
    const g = ctx.op('Mul', [dy!, scale]);
    const inner = ctx.op('Sub', [
      ctx.op('Sub', [g, mean(g)]),
      ctx.op('Mul', [normalised, mean(ctx.op('Mul', [g, normalised]))]),
    ]);
    return [ctx.op('Mul', [inv, inner])];
  },
};

/** dX = dY scale / sqrt(var + eps), per channel (axis 1). */
const batchNormalization: RuleSpec = {
  rule: (ctx, [dy]) => {
    if (ctx.attrInt('training_mode', 0) === 1)
      throw ctx.error('BatchNormalization in training mode has no rule');
    const [x, scale, , , variance] = ctx.node.inputs as [string, string, string, string, string];
    const factor = ctx.op('Div', [
      scale,
      ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.scalar(ctx.attrFloat('epsilon', 1e-5))])]),
    ]);
    const perChannel = ctx.f.int64s(
      'channel_shape',
      [ctx.rank(x) - 1],
      [-1, ...Array(ctx.rank(x) - 2).fill(1)],
    );
    return [ctx.op('Mul', [dy!, ctx.op('Reshape', [factor, perChannel])])];
  },
  differentiable: [0],
};

/** Softmax: dX = Y (dY - sum(dY Y)); LogSoftmax: dX = dY - exp(Y) sum(dY). */
function softmax(log: boolean): RuleSpec {
  return {
    rule: (ctx, [dy]) => {
      const y = ctx.node.outputs[0]!;
      const rank = ctx.rank(y);
      // Before opset 13 the input is read as 2-D: the axes from `axis` on form one.
      const axis = ctx.axis(ctx.attrInt('axis', ctx.opset >= 13 ? -1 : 1), rank);
      const axes = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
      if (log) {
        const total = ctx.f.reduce('ReduceSum', dy!, axes, true);
        return [ctx.op('Sub', [dy!, ctx.op('Mul', [ctx.op('Exp', [y]), total])])];
      }
      const dot = ctx.f.reduce('ReduceSum', ctx.op('Mul', [dy!, y]), axes, true);
      return [ctx.op('Mul', [y, ctx.op('Sub', [dy!, dot])])];
    },
  };
}

export const NORMALIZATION_RULES: Readonly<Record<string, RuleSpec>> = {
  LayerNormalization: layerNormalization,
  BatchNormalization: batchNormalization,
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
};
