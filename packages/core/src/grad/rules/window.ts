/**
 * The geometry shared by Conv and the pools: kernel, strides, dilations and explicit pads (auto_pad
 * resolved from the probed shapes), and the transposed convolution that spreads an output gradient
 * back over the input grid, sized to the input's exact size.
 */
import type { RuleContext } from '../rule-context.js';

export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Begins then ends, as ONNX orders pads. */
  readonly pads: readonly number[];
  /** The input's spatial size. */
  readonly input: readonly number[];
  /** The output's spatial size. */
  readonly output: readonly number[];
}

export function windowOf(ctx: RuleContext, kernel: readonly number[]): Window {
  const x = ctx.shape(ctx.node.inputs[0]!);
  const y = ctx.shape(ctx.node.outputs[0]!);
  const d = kernel.length;
  const input = x.slice(2);
  const output = y.slice(2);
  const strides = ctx.attrInts('strides') ?? Array(d).fill(1);
  const dilations = ctx.attrInts('dilations') ?? Array(d).fill(1);
  const autoPad = ctx.attrString('auto_pad', 'NOTSET');
  let pads: number[] = [...(ctx.attrInts('pads') ?? Array<number>(2 * d).fill(0))];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(2 * d).fill(0);
    for (let i = 0; i < d; i++) {
      const extent = (kernel[i]! - 1) * dilations[i]! + 1;
      const total = Math.max(0, (output[i]! - 1) * strides[i]! + extent - input[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + d] = total - pads[i]!;
    }
  } else if (autoPad === 'VALID') pads = Array(2 * d).fill(0);
  return { kernel, strides, dilations, pads, input, output };
}

/** ConvTranspose of `dy` with `weights` over the window, sized to the input's spatial shape. */
export function spreadBack(ctx: RuleContext, dy: string, weights: string, w: Window, group: number): string {
  const d = w.kernel.length;
  // The full transposed convolution covers input positions -pad_begin .. extent - pad_begin - 1;
  // it is cut to 0 .. input - 1, and positions no window reached (past the last one) are zeros.
  const extents = w.output.map((o, i) => w.strides[i]! * (o - 1) + (w.kernel[i]! - 1) * w.dilations[i]! + 1);
  const reach = extents.map((e, i) => e - w.pads[i]!);
  const cutEnd = reach.map((r, i) => Math.max(0, r - w.input[i]!));
  let grad = ctx.op('ConvTranspose', [dy, weights], {
    strides: { ints: w.strides },
    dilations: { ints: w.dilations },
    pads: { ints: [...w.pads.slice(0, d), ...cutEnd] },
    group: { i: group },
    kernel_shape: { ints: w.kernel },
  });
  const missing = reach.map((r, i) => Math.max(0, w.input[i]! - r));
  if (missing.some((m) => m > 0)) grad = ctx.f.pad(grad, [0, 0, ...Array(d).fill(0), 0, 0, ...missing]);
  return grad;
}
