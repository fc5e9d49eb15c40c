/**
 * What a differentiation rule sees of its node, and the few graph idioms every rule shares
 * (unbroadcasting, zeros, scalars, axis transposes). A rule emits ONNX nodes through `f`, in the
 * form the model's opset defines, and reads shapes from the probe (probe.ts): the batch dimension
 * of a probed shape is never baked into a constant; rules that need a full shape take it from the
 * forward tensor at run time (`Shape`).
 */
import { GradientError } from '../errors.js';
import type { AttributeValue, GraphFragment } from '../onnx/graph-fragment.js';
import { describeNode, type OnnxModel, type OnnxNode } from '../onnx/schema.js';
import type { ProbedTensors } from './probe.js';

export class RuleContext {
  constructor(
    readonly f: GraphFragment,
    readonly model: OnnxModel,
    readonly node: OnnxNode,
    private readonly probed: ProbedTensors,
    /** Which inputs need a gradient (they lie on the path from the layer). */
    private readonly wanted: readonly boolean[],
    /** The layer, for messages. */
    private readonly layer: string,
  ) {}

  get opset(): number {
    return this.f.opset;
  }

  /** Whether input `i` needs a gradient. */
  needs(i: number): boolean {
    return this.wanted[i] === true;
  }

  /** The probed shape of a tensor (an initializer's declared dims). */
  shape(tensor: string): readonly number[] {
    const init = this.model.initializer(tensor);
    if (init !== undefined) return init.dims;
    const dims = this.probed.shapes.get(tensor);
    if (dims === undefined) throw this.error(`the shape of '${tensor}' is unknown`);
    return dims;
  }

  rank(tensor: string): number {
    return this.shape(tensor).length;
  }

  /** The values of an integer tensor known before the run: an initializer, a Constant, or probed. */
  ints(tensor: string): number[] {
    const init = this.model.initializer(tensor);
    if (init !== undefined) return init.ints();
    const producer = this.model.producer(tensor);
    const value = producer?.opType === 'Constant' ? producer.attributes.get('value')?.t : undefined;
    if (value !== undefined) return value.ints();
    const probed = this.probed.values.get(tensor);
    if (probed === undefined) throw this.error(`the values of '${tensor}' are unknown`);
    return probed;
  }

  /** A float32 initializer's values, or undefined when the tensor is computed. */
  constantFloats(tensor: string): Float32Array | undefined {
    return this.model.initializer(tensor)?.floats();
  }

  attrInt(name: string, fallback: number): number {
    return this.node.attributes.get(name)?.i ?? fallback;
  }

  attrFloat(name: string, fallback: number): number {
    return this.node.attributes.get(name)?.f ?? fallback;
  }

  attrInts(name: string): readonly number[] | undefined {
    return this.node.attributes.get(name)?.ints;
  }

  attrString(name: string, fallback: string): string {
    return this.node.attributes.get(name)?.s ?? fallback;
  }

  /** Adds a node (see GraphFragment.node). */
  op(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.f.node(op, inputs, attributes);
  }

  scalar(value: number): string {
    return this.f.floats('c', [], [value]);
  }

  /** Runtime zeros shaped like `tensor`. */
  zerosLike(tensor: string): string {
    return this.op('ConstantOfShape', [this.op('Shape', [tensor])]);
  }

  /**
   * `grad` (shaped like the tensor `output`, or like `outputShape`) summed over the axes `input` was
   * broadcast along, and reshaped to `input`'s shape.
   */
  unbroadcast(grad: string, output: string | readonly number[], input: string): string {
    const to = this.shape(input);
    const from = typeof output === 'string' ? this.shape(output) : output;
    const lead = from.length - to.length;
    const axes: number[] = [];
    for (let a = 0; a < from.length; a++) {
      if (a < lead || (to[a - lead] === 1 && from[a] !== 1)) axes.push(a);
    }
    if (axes.length === 0) return grad;
    const summed = this.f.reduce('ReduceSum', grad, axes, true);
    return this.op('Reshape', [summed, this.op('Shape', [input])]);
  }

  /** A normalised axis (negative counts from the end). */
  axis(axis: number, rank: number): number {
    return axis < 0 ? axis + rank : axis;
  }

  /** Swaps the last two axes of a tensor of rank `rank`. */
  swapLastTwo(x: string, rank: number): string {
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return this.op('Transpose', [x], { perm: { ints: perm } });
  }

  /** A GradientError naming the node, its op and the layer. */
  error(what: string): GradientError {
    return new GradientError(
      `cannot differentiate ${describeNode(this.node)} on the path from '${this.layer}': ${what}`,
      { file: this.model.path, hint: 'choose a layer nearer the scores, or a method without gradients' },
    );
  }
}

/**
 * A differentiation rule: given the gradients of the node's outputs (undefined where none flows),
 * the gradients of its inputs (undefined where none is needed: `ctx.needs(i)` is false).
 */
export type GradientRule = (
  ctx: RuleContext,
  outputGrads: readonly (string | undefined)[],
) => readonly (string | undefined)[];

/** A rule and the inputs along which gradients flow (the others are shapes, indices, constants). */
export interface RuleSpec {
  readonly rule: GradientRule;
  /** Input indices that may carry a gradient; all of them when omitted. */
  readonly differentiable?: readonly number[];
}
