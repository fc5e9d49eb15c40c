/**
 * Which layers a gradient CAM can explain, for `inspect`: the output of each module (node-name
 * prefixes one and two levels deep, `/layer3/` and `/layer3/layer3.1/`, as torch exports name
 * them), with its shape from one probe run and whether a gradient reaches it from the scores.
 */
import { describeNode, type OnnxModel } from '../onnx/schema.js';
import { missingGradientRule } from './backward-graph.js';
import { logitsOf } from './layer.js';
import { gradientPath } from './path.js';
import { probeTensors } from './probe.js';

export interface LayerCandidate {
  /** What to pass to --layer: the node-name prefix (or the tensor, for unnamed nodes). */
  readonly name: string;
  /** The tensor it resolves to. */
  readonly tensor: string;
  /** Its probed shape, batch first. */
  readonly shape: readonly number[];
  /** Undefined when gradients reach it; else the node that has no rule. */
  readonly blockedBy?: string;
}

export async function layerCandidates(
  model: OnnxModel,
  scores: string,
  inputDims: readonly number[],
  limit = 60,
): Promise<LayerCandidate[]> {
  const logits = logitsOf(model, scores);
  const byPrefix = new Map<string, string>();
  for (const node of model.graph.nodes) {
    const parts = node.name.split('/');
    if (parts[0] !== '' || parts.length < 3) continue;
    for (const depth of [2, 3]) {
      if (parts.length <= depth) continue;
      const prefix = `${parts.slice(0, depth).join('/')}/`;
      const output = node.outputs.find((o) => o !== '');
      if (output !== undefined) byPrefix.set(prefix, output); // the last node under the prefix wins
    }
  }
  // Models whose nodes are not named by module: every node output is a candidate, by tensor name.
  const unnamed = byPrefix.size === 0;
  if (unnamed)
    for (const node of model.graph.nodes) for (const o of node.outputs) if (o !== '') byPrefix.set(o, o);
  const entries = [...byPrefix.entries()].filter(([, t]) => t !== logits && t !== scores);
  if (entries.length === 0) return [];
  const probed = await probeTensors(
    model,
    entries.map(([, t]) => t),
    inputDims,
  );
  const out: LayerCandidate[] = [];
  for (const [name, tensor] of entries) {
    const shape = probed.shapes.get(tensor);
    if (shape === undefined || shape.length < 3 || shape.length > 4 || probed.values.has(tensor)) continue;
    if (!gradientPath(model, [tensor], logits).tensors.has(logits)) continue; // not upstream of the scores
    const missing = missingGradientRule(model, [tensor], logits);
    out.push({ name, tensor, shape, ...(missing === undefined ? {} : { blockedBy: describeNode(missing) }) });
  }
  // Nodes without module names: every tensor is a candidate, too many to read; keep the last one
  // of each grid size (the end of each stage), which is where users pick layers.
  const kept = unnamed
    ? out.filter(
        (c, i) => i === out.length - 1 || out[i + 1]!.shape.slice(2).join() !== c.shape.slice(2).join(),
      )
    : out;
  return kept.slice(-limit);
}
