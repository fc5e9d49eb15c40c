/**
 * Every differentiation rule in one table, op type -> rule: a new op is one row here and its rule
 * in the module of its family, with a finite-difference test (test/grad/rules.test.ts).
 */
import type { RuleSpec } from '../rule-context.js';
import { ACTIVATION_RULES } from './activations.js';
import { ARITHMETIC_RULES } from './arithmetic.js';
import { CONV_RULES } from './conv.js';
import { INDEXING_RULES } from './indexing.js';
import { LINEAR_RULES } from './linear.js';
import { NORMALIZATION_RULES } from './normalization.js';
import { POOLING_RULES } from './pooling.js';
import { SHAPE_RULES } from './shape.js';

export const GRADIENT_RULES: Readonly<Record<string, RuleSpec>> = {
  ...ARITHMETIC_RULES,
  ...ACTIVATION_RULES,
  ...LINEAR_RULES,
  ...CONV_RULES,
  ...POOLING_RULES,
  ...NORMALIZATION_RULES,
  ...SHAPE_RULES,
  ...INDEXING_RULES,
};

/**
 * Ops whose outputs carry no gradient whatever their inputs: shapes, comparisons, indices, random
 * draws. Their outputs are constants to the backward pass (Swin's mask, ViT's shape arithmetic).
 */
export const NON_DIFFERENTIABLE_OPS: ReadonlySet<string> = new Set([
  'Shape',
  'Size',
  'Range',
  'ConstantOfShape',
  'Constant',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'IsNaN',
  'IsInf',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'EyeLike',
  'OneHot',
  'NonMaxSuppression',
  'TopK',
]);

/** The rule of an op type, if it has one. */
export function gradientRule(op: string): RuleSpec | undefined {
  return Object.hasOwn(GRADIENT_RULES, op) ? GRADIENT_RULES[op] : undefined;
}
