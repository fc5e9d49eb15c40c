/**
 * The part of the graph a gradient flows through: the tensors that depend, through differentiable
 * inputs, on the layer (forward reach) and that the scores depend on (backward reach). Shape
 * arithmetic, comparisons and indices fall out (their outputs are constants to the backward pass),
 * so an op without a rule is only an error when a gradient must really cross it.
 */

import type { OnnxModel, OnnxNode } from '../onnx/schema.js';
import { gradientRule, NON_DIFFERENTIABLE_OPS } from './rules/index.js';
import { castsToFloat } from './rules/shape.js';

export interface GradientPath {
  /** Nodes to differentiate, in the graph's (topological) order. */
  readonly nodes: readonly OnnxNode[];
  /** Tensors that carry a gradient: on the path between the layer and the scores. */
  readonly tensors: ReadonlySet<string>;
}

/** The input indices of `node` a gradient may flow along. */
export function differentiableInputs(node: OnnxNode): readonly number[] {
  if (NON_DIFFERENTIABLE_OPS.has(node.opType)) return [];
  if (node.opType === 'Cast' && !castsToFloat(node.attributes.get('to')?.i)) return [];
  return gradientRule(node.opType)?.differentiable ?? node.inputs.map((_, i) => i);
}

export function gradientPath(model: OnnxModel, layers: readonly string[], scores: string): GradientPath {
  const reached = new Set(layers);
  const onPath: OnnxNode[] = [];
  for (const node of model.graph.nodes) {
    const fed = differentiableInputs(node).some((i) => reached.has(node.inputs[i] ?? ''));
    if (!fed) continue;
    for (const o of node.outputs) if (o !== '') reached.add(o);
    onPath.push(node);
  }
  // Backward from the scores, through reached tensors only.
  const needed = new Set([scores]);
  const nodes: OnnxNode[] = [];
  for (let i = onPath.length - 1; i >= 0; i--) {
    const node = onPath[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    nodes.push(node);
    for (const i of differentiableInputs(node)) {
      const input = node.inputs[i] ?? '';
      if (reached.has(input)) needed.add(input);
    }
  }
  nodes.reverse();
  const tensors = new Set([...needed].filter((t) => reached.has(t)));
  return { nodes, tensors };
}
