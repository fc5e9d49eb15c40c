/**
 * Gradients through any ONNX graph: the backward pass appended to the model as ONNX nodes, so
 * that onnxruntime computes d score / d layer on whatever device the session runs.
 */
export {
  appendGradientGraph,
  buildGradientGraph,
  GRAD_CLASSES_OUTPUT,
  GRAD_TARGETS_INPUT,
  type GradientGraph,
  type GradientGraphOptions,
  missingGradientRule,
} from './backward-graph.js';
export { type GradientPath, gradientPath } from './path.js';
export { elemTypeOf, type ProbedTensors, probeTensors } from './probe.js';
export type { GradientRule, RuleContext, RuleSpec } from './rule-context.js';
export { GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from './rules/index.js';
