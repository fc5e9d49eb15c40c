/**
 * The slow twin of every differentiation rule: central finite differences of the model's own
 * forward pass. A test graph is `x -> <nodes> -> y`, followed here by fixed random projections to
 * three scores; the backward graph's d score / d x must match the differences for each score.
 */
import { appendGradientGraph } from '../../src/grad/backward-graph.js';
import { gradientPath } from '../../src/grad/path.js';
import { probeTensors } from '../../src/grad/probe.js';
import { parseOnnxModel } from '../../src/onnx/read-model.js';
import { createSession } from '../../src/runtime/session.js';
import { buildModel, type NodeSpec, randomFloats, type TensorSpec } from '../onnx/builder.js';

export interface RuleCase {
  /** Nodes from the input `x` to the output `y`. */
  readonly nodes: NodeSpec[];
  readonly initializers?: TensorSpec[];
  /** The input's shape, batch first (2 images). */
  readonly input: readonly number[];
  readonly opset?: number;
  /** Inputs drawn from [-1,1) are pushed at least this far from 0 (kinks of ReLU and kin). */
  readonly awayFromZero?: number;
  /** Input values scale (default 1). */
  readonly scale?: number;
  /** Draw the values of each image 0.05 apart (max pools: no window's winner changes under eps). */
  readonly distinct?: boolean;
}

export interface RuleCheck {
  /** Largest |analytic - finite difference| over scores, images and elements. */
  readonly maxError: number;
  /** Largest |analytic gradient|. */
  readonly maxGradient: number;
}

const SCORES = 3;

export async function checkRule(c: RuleCase, eps = 1e-2): Promise<RuleCheck> {
  const perImage = c.input.slice(1).reduce((a, b) => a * b, 1);
  const batch = c.input[0]!;
  const bytes = buildCaseModel(c, await outputSize(c));
  const model = parseOnnxModel(bytes);
  const path = gradientPath(model, ['x'], 'scores');
  const tensors = path.nodes.flatMap((n) => [...n.inputs, ...n.outputs]).filter((t) => t !== '');
  const probed = await probeTensors(model, tensors, c.input);
  const graph = appendGradientGraph(model, { layers: ['x'], scoreTensor: 'scores', probed, maxRank: 1 });
  const session = await createSession(graph.bytes, { device: 'cpu', outputs: graph.outputs, thread: 'main' });
  const forward = await createSession(bytes, { device: 'cpu', outputs: ['scores'], thread: 'main' });
  const x = inputValues(c, batch * perImage);
  let maxError = 0;
  let maxGradient = 0;
  try {
    for (let s = 0; s < SCORES; s++) {
      const targets = new BigInt64Array(batch).fill(BigInt(s));
      const out = await session.run(x.slice(), batch, {
        dims: c.input,
        extra: { grad_targets: { data: targets, dims: [batch, 1] } },
      });
      const analytic = out[graph.gradientOutputs[0]!]!.data;
      for (let n = 0; n < batch; n++) {
        // Every element of image n nudged up and down: one batch of 2 * perImage single images.
        const nudged = new Float32Array(2 * perImage * perImage);
        for (let j = 0; j < perImage; j++) {
          for (const [k, sign] of [
            [2 * j, 1],
            [2 * j + 1, -1],
          ] as const) {
            const row = nudged.subarray(k * perImage, (k + 1) * perImage);
            row.set(x.subarray(n * perImage, (n + 1) * perImage));
            row[j] = row[j]! + sign * eps;
          }
        }
        const scores = (
          await forward.run(nudged, 2 * perImage, { dims: [2 * perImage, ...c.input.slice(1)] })
        ).scores!.data;
        for (let j = 0; j < perImage; j++) {
          const fd = (scores[2 * j * SCORES + s]! - scores[(2 * j + 1) * SCORES + s]!) / (2 * eps);
          const g = analytic[n * perImage + j]!;
          maxError = Math.max(maxError, Math.abs(fd - g));
          maxGradient = Math.max(maxGradient, Math.abs(g));
        }
      }
    }
  } finally {
    await session.release();
    await forward.release();
  }
  return { maxError, maxGradient };
}

function inputValues(c: RuleCase, n: number): Float32Array {
  const x = randomFloats(n, 11);
  if (c.distinct === true) {
    const order = Array.from(x, (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    order.forEach(([, i], rank) => {
      x[i] = (rank - n / 2) * 0.05;
    });
    return x;
  }
  const away = c.awayFromZero ?? 0;
  const scale = c.scale ?? 1;
  return x.map((v) => (v < 0 ? -away + v : away + v) * scale);
}

/** The case's `y` size per image (one probe of the bare case). */
async function outputSize(c: RuleCase): Promise<number> {
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [null, ...c.input.slice(1)] }],
    outputs: [{ name: 'y' }],
    nodes: c.nodes,
    initializers: c.initializers ?? [],
    opset: c.opset ?? 17,
  });
  const session = await createSession(bytes, { device: 'cpu', outputs: ['y'], thread: 'main' });
  try {
    const n = c.input.reduce((a, b) => a * b, 1);
    const out = await session.run(new Float32Array(n), c.input[0]!, { dims: c.input });
    return out.y!.dims.slice(1).reduce((a, b) => a * b, 1);
  } finally {
    await session.release();
  }
}

function buildCaseModel(c: RuleCase, size: number): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', shape: [null, ...c.input.slice(1)] }],
    outputs: [{ name: 'scores', shape: [null, SCORES] }],
    nodes: [
      ...c.nodes,
      { op: 'Flatten', inputs: ['y'], outputs: ['y_flat'], attrs: { axis: { i: 1 } } },
      { op: 'MatMul', inputs: ['y_flat', 'projection'], outputs: ['scores'] },
    ],
    initializers: [
      ...(c.initializers ?? []),
      { name: 'projection', dims: [size, SCORES], data: randomFloats(size * SCORES, 5) },
    ],
    opset: c.opset ?? 17,
  });
}
