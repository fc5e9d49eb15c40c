/**
 * Convolution (any group count: depthwise too; strides, pads, dilations, auto_pad): the gradient
 * of the input is the transposed convolution of the output gradient with the same weights.
 */
import type { RuleSpec } from '../rule-context.js';
import { spreadBack, windowOf } from './window.js';

const conv: RuleSpec = {
  rule: (ctx, [dy]) => {
    if (ctx.needs(1) || ctx.needs(2))
      throw ctx.error('the weights lie on the path (only inputs are differentiated)');
    const weights = ctx.node.inputs[1]!;
    const kernel = ctx.attrInts('kernel_shape') ?? ctx.shape(weights).slice(2);
    return [spreadBack(ctx, dy!, weights, windowOf(ctx, kernel), ctx.attrInt('group', 1))];
  },
};

export const CONV_RULES: Readonly<Record<string, RuleSpec>> = { Conv: conv };
