/**
 * Element-wise arithmetic with NumPy broadcasting: each input's gradient is the local derivative
 * times the output gradient, summed back over the axes that input was broadcast along.
 */
import type { RuleContext, RuleSpec } from '../rule-context.js';

/** d(a+b) = da + db; d(a-b) = da - db. */
function addSub(sign: 1 | -1): RuleSpec {
  return {
    rule: (ctx, [dy]) => {
      const [a, b] = ctx.node.inputs as [string, string];
      const y = ctx.node.outputs[0]!;
      const db = sign === 1 ? dy! : ctx.op('Neg', [dy!]);
      return [
        ctx.needs(0) ? ctx.unbroadcast(dy!, y, a) : undefined,
        ctx.needs(1) ? ctx.unbroadcast(db, y, b) : undefined,
      ];
    },
  };
}

/** d(a*b) = b da + a db. */
const mul: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [a, b] = ctx.node.inputs as [string, string];
    const y = ctx.node.outputs[0]!;
    return [
      ctx.needs(0) ? ctx.unbroadcast(ctx.op('Mul', [dy!, b]), y, a) : undefined,
      ctx.needs(1) ? ctx.unbroadcast(ctx.op('Mul', [dy!, a]), y, b) : undefined,
    ];
  },
};

/** d(a/b) = da / b - (a/b) db / b. */
const div: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [a, b] = ctx.node.inputs as [string, string];
    const y = ctx.node.outputs[0]!;
    const da = ctx.needs(0) || ctx.needs(1) ? ctx.op('Div', [dy!, b]) : undefined;
    return [
      ctx.needs(0) ? ctx.unbroadcast(da!, y, a) : undefined,
      ctx.needs(1) ? ctx.unbroadcast(ctx.op('Neg', [ctx.op('Mul', [da!, y])]), y, b) : undefined,
    ];
  },
};

/** d(a^p) = p a^(p-1) da + a^p ln(a) dp. */
const pow: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [a, p] = ctx.node.inputs as [string, string];
    const y = ctx.node.outputs[0]!;
    let da: string | undefined;
    if (ctx.needs(0)) {
      const exponent = ctx.constantFloats(p);
      // A constant exponent 2 (variance in a decomposed LayerNorm) needs no Pow in the backward.
      const local =
        exponent?.length === 1 && exponent[0] === 2
          ? ctx.op('Mul', [a, ctx.scalar(2)])
          : ctx.op('Mul', [p, ctx.op('Pow', [a, ctx.op('Sub', [p, ctx.scalar(1)])])]);
      da = ctx.unbroadcast(ctx.op('Mul', [dy!, local]), y, a);
    }
    const dp = ctx.needs(1)
      ? ctx.unbroadcast(ctx.op('Mul', [dy!, ctx.op('Mul', [y, ctx.op('Log', [a])])]), y, p)
      : undefined;
    return [da, dp];
  },
};

/** One-input functions whose derivative is written in terms of the input x and the output y. */
function unary(local: (ctx: RuleContext, x: string, y: string) => string): RuleSpec {
  return {
    rule: (ctx, [dy]) => [ctx.op('Mul', [dy!, local(ctx, ctx.node.inputs[0]!, ctx.node.outputs[0]!)])],
  };
}

export const ARITHMETIC_RULES: Readonly<Record<string, RuleSpec>> = {
  Add: addSub(1),
  Sub: addSub(-1),
  Mul: mul,
  Div: div,
  Pow: pow,
  // d sqrt(x) = dx / (2 y)
  Sqrt: unary((ctx, _x, y) => ctx.op('Reciprocal', [ctx.op('Mul', [y, ctx.scalar(2)])])),
  Neg: { rule: (ctx, [dy]) => [ctx.op('Neg', [dy!])] },
  Exp: unary((_ctx, _x, y) => y),
  Log: unary((ctx, x) => ctx.op('Reciprocal', [x])),
  Reciprocal: unary((ctx, _x, y) => ctx.op('Neg', [ctx.op('Mul', [y, y])])),
};
