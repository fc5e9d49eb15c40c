/**
 * Light static shape propagation for the ops image classifiers are built from. Where an op is not
 * covered, its outputs stay unknown (the caller can ask onnxruntime instead: see probeShapes).
 */
import type { OnnxModel, OnnxNode } from '../onnx/schema.js';

/** A shape: numbers where known, null where dynamic or unknown. */
export type StaticShape = (number | null)[];

function attrInts(n: OnnxNode, name: string): readonly number[] | undefined {
  return n.attributes.get(name)?.ints;
}
function attrInt(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.get(name)?.i ?? dflt;
}
function attrStr(n: OnnxNode, name: string, dflt: string): string {
  return n.attributes.get(name)?.s ?? dflt;
}

function poolOut(
  x: StaticShape,
  kernel: readonly number[],
  n: OnnxNode,
  dilationsDefault = 1,
): StaticShape | undefined {
  if (x.length !== 4 || kernel.length !== 2) return undefined;
  const strides = attrInts(n, 'strides') ?? [1, 1];
  const dil = attrInts(n, 'dilations') ?? [dilationsDefault, dilationsDefault];
  const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  const autoPad = attrStr(n, 'auto_pad', 'NOTSET');
  const ceil = attrInt(n, 'ceil_mode', 0) === 1;
  const out: StaticShape = [x[0] ?? null, null, null, null];
  for (let i = 0; i < 2; i++) {
    const size = x[2 + i];
    if (size == null) continue;
    const s = strides[i] ?? 1;
    const k = ((kernel[i] ?? 1) - 1) * (dil[i] ?? 1) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') out[2 + i] = Math.ceil(size / s);
    else {
      const p = autoPad === 'VALID' ? 0 : (pads[i] ?? 0) + (pads[i + 2] ?? 0);
      const v = (size + p - k) / s + 1;
      out[2 + i] = ceil ? Math.ceil(v) : Math.floor(v);
    }
  }
  return out;
}

function broadcast(a: StaticShape, b: StaticShape): StaticShape | undefined {
  const r = Math.max(a.length, b.length);
  const out: StaticShape = [];
  for (let i = 0; i < r; i++) {
    const ia = a.length - r + i;
    const ib = b.length - r + i;
    const x = ia < 0 ? 1 : (a[ia] as number | null);
    const y = ib < 0 ? 1 : (b[ib] as number | null);
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x === y) out.push(x);
    else return undefined;
  }
  return out;
}

const UNARY = new Set([
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Tanh',
  'Softplus',
  'Mish',
  'Gelu',
  'BatchNormalization',
  'Identity',
  'Dropout',
  'LRN',
  'InstanceNormalization',
  'Softmax',
  'Erf',
  'Abs',
  'Neg',
  'Exp',
  'Sqrt',
]);
const BINARY = new Set(['Add', 'Mul', 'Sub', 'Div', 'Max', 'Min', 'Pow', 'Sum']);

/**
 * Propagates shapes from the graph inputs (dynamic dims as null) and declared value_info.
 * Returns a map from tensor name to shape for what could be worked out.
 */
export function inferShapes(model: OnnxModel): Map<string, StaticShape> {
  const shapes = new Map<string, StaticShape>();
  const norm = (s: readonly (number | string | null)[]): StaticShape =>
    s.map((d) => (typeof d === 'number' ? d : null));
  for (const vi of [...model.graph.inputs, ...model.graph.valueInfo, ...model.graph.outputs]) {
    if (vi.shape != null) shapes.set(vi.name, norm(vi.shape));
  }
  const get = (name: string | undefined): StaticShape | undefined => {
    if (name === undefined || name === '') return undefined;
    const s = shapes.get(name);
    if (s !== undefined) return s;
    const init = model.initializer(name);
    return init === undefined ? undefined : [...init.dims];
  };
  for (const n of model.graph.nodes) {
    const out0 = n.outputs[0];
    if (out0 === undefined || shapes.has(out0)) continue;
    const x = get(n.inputs[0]);
    let y: StaticShape | undefined;
    const op = n.opType;
    if (x === undefined) continue;
    if (UNARY.has(op)) y = [...x];
    else if (BINARY.has(op)) {
      y = x;
      for (const other of n.inputs.slice(1)) {
        const o = get(other);
        y = o === undefined || y === undefined ? undefined : broadcast(y, o);
      }
    } else if (op === 'Conv') {
      const w = get(n.inputs[1]);
      if (w !== undefined && w.length === 4) {
        const kernel = attrInts(n, 'kernel_shape') ?? [w[2] ?? 1, w[3] ?? 1];
        y = poolOut(x, kernel as number[], n);
        if (y !== undefined) y[1] = w[0] ?? null;
      }
    } else if (op === 'MaxPool' || op === 'AveragePool') {
      const kernel = attrInts(n, 'kernel_shape');
      if (kernel !== undefined) {
        y = poolOut(x, kernel, n);
        if (y !== undefined) y[1] = x[1] ?? null;
      }
    } else if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
      y = x.length >= 2 ? [x[0] ?? null, x[1] ?? null, ...x.slice(2).map(() => 1)] : undefined;
    } else if (op === 'Concat') {
      const parts = n.inputs.map(get);
      if (parts.every((p) => p !== undefined && p.length === x.length)) {
        let axis = attrInt(n, 'axis', 1);
        if (axis < 0) axis += x.length;
        y = [...x];
        let sum: number | null = 0;
        for (const p of parts as StaticShape[]) {
          const d = p[axis];
          sum = sum === null || d == null ? null : sum + d;
        }
        y[axis] = sum;
      }
    } else if (op === 'Flatten') {
      let axis = attrInt(n, 'axis', 1);
      if (axis < 0) axis += x.length;
      const prod = (s: StaticShape) =>
        s.reduce<number | null>((a, b) => (a === null || b === null ? null : a * b), 1);
      y = [prod(x.slice(0, axis)), prod(x.slice(axis))];
    }
    if (y !== undefined) shapes.set(out0, y);
  }
  return shapes;
}
