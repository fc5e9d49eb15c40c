/**
 * Matrix products. Gemm: Y = alpha A' B' + beta C, with A' = A or Aᵀ (transA) and B' likewise;
 * MatMul: NumPy's batched, broadcast matmul of tensors of rank 2 and more.
 */
import type { RuleSpec } from '../rule-context.js';

const gemm: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [a, b, c] = ctx.node.inputs as [string, string, string | undefined];
    const alpha = ctx.attrFloat('alpha', 1);
    const beta = ctx.attrFloat('beta', 1);
    const transA = ctx.attrInt('transA', 0);
    const transB = ctx.attrInt('transB', 0);
    const scaled = { alpha: { f: alpha } };
    // C is optional from opset 11; before it a zero scalar stands in.
    const gemm = (x: string, w: string, attrs: Record<string, { i: number } | { f: number }>) =>
      ctx.op('Gemm', ctx.opset >= 11 ? [x, w] : [x, w, ctx.scalar(0)], attrs);
    // dA' = alpha dY B'ᵀ and dB' = alpha A'ᵀ dY, each transposed back when the input was.
    const da = !ctx.needs(0)
      ? undefined
      : transA === 0
        ? gemm(dy!, b, { ...scaled, transB: { i: 1 - transB } })
        : gemm(b, dy!, { ...scaled, transA: { i: transB }, transB: { i: 1 } });
    const db = !ctx.needs(1)
      ? undefined
      : transB === 0
        ? gemm(a, dy!, { ...scaled, transA: { i: 1 - transA } })
        : gemm(dy!, a, { ...scaled, transA: { i: 1 }, transB: { i: transA } });
    const dc =
      c !== undefined && c !== '' && ctx.needs(2)
        ? ctx.unbroadcast(beta === 1 ? dy! : ctx.op('Mul', [dy!, ctx.scalar(beta)]), ctx.node.outputs[0]!, c)
        : undefined;
    return [da, db, dc];
  },
};

/** dA = dY Bᵀ and dB = Aᵀ dY, summed over the batch axes each was broadcast along. */
const matMul: RuleSpec = {
  rule: (ctx, [dy]) => {
    const [a, b] = ctx.node.inputs as [string, string];
    const y = ctx.node.outputs[0]!;
    const shapeA = ctx.shape(a);
    const shapeB = ctx.shape(b);
    if (shapeA.length < 2 || shapeB.length < 2) throw ctx.error('a MatMul of a vector has no rule');
    const batch = ctx.shape(y).slice(0, -2);
    const da = ctx.needs(0)
      ? ctx.unbroadcast(
          ctx.op('MatMul', [dy!, ctx.swapLastTwo(b, shapeB.length)]),
          [...batch, ...shapeA.slice(-2)],
          a,
        )
      : undefined;
    const db = ctx.needs(1)
      ? ctx.unbroadcast(
          ctx.op('MatMul', [ctx.swapLastTwo(a, shapeA.length), dy!]),
          [...batch, ...shapeB.slice(-2)],
          b,
        )
      : undefined;
    return [da, db];
  },
};

export const LINEAR_RULES: Readonly<Record<string, RuleSpec>> = { Gemm: gemm, MatMul: matMul };
