/**
 * Activation functions. Piecewise-linear ones pass the gradient where they are not flat, with
 * PyTorch's choices at the kinks (ReLU: 0 at x = 0; clamp: 1 on the closed interval).
 */
import type { RuleContext, RuleSpec } from '../rule-context.js';

/** dy times a mask (a boolean tensor made float). */
function masked(ctx: RuleContext, dy: string, mask: string): string {
  return ctx.op('Mul', [dy, ctx.f.cast(mask, 1)]);
}

/** A scalar input given as an optional tensor (Clip's min/max from opset 11) or an attribute. */
function clipBound(ctx: RuleContext, index: number, attr: string, fallback: number): string | undefined {
  const name = ctx.node.inputs[index];
  if (name !== undefined && name !== '') return name;
  const value = ctx.node.attributes.get(attr)?.f;
  return value === undefined
    ? Number.isFinite(fallback)
      ? ctx.scalar(fallback)
      : undefined
    : ctx.scalar(value);
}

/** d y / d x times dy, from x and y. */
function local(fn: (ctx: RuleContext, x: string, y: string) => string): RuleSpec {
  return {
    rule: (ctx, [dy]) => [ctx.op('Mul', [dy!, fn(ctx, ctx.node.inputs[0]!, ctx.node.outputs[0]!)])],
    differentiable: [0],
  };
}

export const ACTIVATION_RULES: Readonly<Record<string, RuleSpec>> = {
  Relu: {
    rule: (ctx, [dy]) => [masked(ctx, dy!, ctx.op('Greater', [ctx.node.inputs[0]!, ctx.scalar(0)]))],
  },
  LeakyRelu: local((ctx, x) => {
    const alpha = ctx.attrFloat('alpha', 0.01);
    const positive = ctx.f.cast(ctx.op('Greater', [x, ctx.scalar(0)]), 1);
    // 1 where x > 0, alpha elsewhere: alpha + (1 - alpha) * [x > 0]
    return ctx.op('Add', [ctx.scalar(alpha), ctx.op('Mul', [positive, ctx.scalar(1 - alpha)])]);
  }),
  Clip: {
    rule: (ctx, [dy]) => {
      const x = ctx.node.inputs[0]!;
      const lo = clipBound(ctx, 1, 'min', Number.NEGATIVE_INFINITY);
      const hi = clipBound(ctx, 2, 'max', Number.POSITIVE_INFINITY);
      let grad = dy!;
      if (lo !== undefined) grad = masked(ctx, grad, ctx.op('Not', [ctx.op('Less', [x, lo])]));
      if (hi !== undefined) grad = masked(ctx, grad, ctx.op('Not', [ctx.op('Greater', [x, hi])]));
      return [grad];
    },
    differentiable: [0],
  },
  // y = max(0, min(1, a x + b)): a where 0 < a x + b < 1
  HardSigmoid: local((ctx, x) => {
    const alpha = ctx.attrFloat('alpha', 0.2);
    const z = ctx.op('Add', [ctx.op('Mul', [x, ctx.scalar(alpha)]), ctx.scalar(ctx.attrFloat('beta', 0.5))]);
    const inside = ctx.op('And', [ctx.op('Greater', [z, ctx.scalar(0)]), ctx.op('Less', [z, ctx.scalar(1)])]);
    return ctx.op('Mul', [ctx.f.cast(inside, 1), ctx.scalar(alpha)]);
  }),
  // y = x relu6(x + 3) / 6: 0 below -3, 1 above 3, x/3 + 1/2 between (PyTorch's hardswish_backward)
  HardSwish: local((ctx, x) => {
    const middle = ctx.op('Add', [ctx.op('Div', [x, ctx.scalar(3)]), ctx.scalar(0.5)]);
    const above = ctx.f.cast(ctx.op('Greater', [x, ctx.scalar(3)]), 1);
    const inside = ctx.f.cast(
      ctx.op('Not', [
        ctx.op('Or', [ctx.op('Less', [x, ctx.scalar(-3)]), ctx.op('Greater', [x, ctx.scalar(3)])]),
      ]),
      1,
    );
    return ctx.op('Add', [above, ctx.op('Mul', [inside, middle])]);
  }),
  Sigmoid: local((ctx, _x, y) => ctx.op('Mul', [y, ctx.op('Sub', [ctx.scalar(1), y])])),
  Tanh: local((ctx, _x, y) => ctx.op('Sub', [ctx.scalar(1), ctx.op('Mul', [y, y])])),
  // d erf(x) = 2/sqrt(pi) exp(-x^2)
  Erf: local((ctx, x) =>
    ctx.op('Mul', [
      ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]),
      ctx.scalar(2 / Math.sqrt(Math.PI)),
    ]),
  ),
  // softplus' = sigmoid
  Softplus: local((ctx, x) => ctx.op('Sigmoid', [x])),
};
