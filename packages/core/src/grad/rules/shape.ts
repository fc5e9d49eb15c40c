/**
 * Ops that move values without changing them: the gradient is moved back the same way (a reshape
 * to the input's shape, the inverse permutation, a sum over what Expand repeated).
 */
import type { RuleContext, RuleSpec } from '../rule-context.js';

const reshapeBack: RuleSpec = {
  rule: (ctx, [dy]) => [ctx.op('Reshape', [dy!, ctx.op('Shape', [ctx.node.inputs[0]!])])],
  differentiable: [0],
};

const identity: RuleSpec = { rule: (_ctx, [dy]) => [dy], differentiable: [0] };

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

/** A cast between float types passes the gradient (cast back to the input's type). */
function castBack(ctx: RuleContext, dy: string): string {
  const from = ctx.model.tensorType(ctx.node.inputs[0]!) ?? 1;
  return from === 1 ? dy : ctx.f.cast(dy, from);
}

export const SHAPE_RULES: Readonly<Record<string, RuleSpec>> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Identity: identity,
  Dropout: identity,
  Cast: {
    rule: (ctx, [dy]) => {
      if (!FLOAT_TYPES.has(ctx.attrInt('to', 1)))
        throw ctx.error('a cast to an integer type has no gradient');
      return [castBack(ctx, dy!)];
    },
  },
  Transpose: {
    rule: (ctx, [dy]) => {
      const rank = ctx.rank(ctx.node.inputs[0]!);
      const perm = ctx.attrInts('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      const inverse = new Array<number>(rank);
      perm.forEach((p, i) => {
        inverse[p] = i;
      });
      return [ctx.op('Transpose', [dy!], { perm: { ints: inverse } })];
    },
  },
  Expand: {
    rule: (ctx, [dy]) => [ctx.unbroadcast(dy!, ctx.node.outputs[0]!, ctx.node.inputs[0]!)],
    differentiable: [0],
  },
};

/** Whether a Cast node's output is a float (differentiable) type. */
export function castsToFloat(to: number | undefined): boolean {
  return FLOAT_TYPES.has(to ?? 1);
}
