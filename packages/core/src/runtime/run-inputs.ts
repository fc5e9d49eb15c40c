/**
 * Checks on the inputs of a run, shared by both threads so that a worker session refuses bad input
 * before posting it: the image batch's dims, and the extra named inputs (all given, batch along
 * dim 0). Also the slicing of extra inputs for a fixed-batch model.
 */
import { UsageError } from '../errors.js';
import type { ExtraInput, RunOptions } from './types.js';

/** The third argument of `run`: input dims (the older form) or options. */
export function runOptions(arg: readonly number[] | RunOptions | undefined): RunOptions {
  if (arg === undefined) return {};
  return Array.isArray(arg) ? { dims: arg as readonly number[] } : (arg as RunOptions);
}

/**
 * The full input dims of a run, checked against the model input (UsageError when they do not fit).
 * Shared by both threads so that a worker session refuses bad input before posting it.
 */
export function checkInputDims(
  inputName: string,
  inputShape: readonly (number | string)[],
  input: Float32Array,
  batch: number,
  dims?: readonly number[],
): number[] {
  if (!Number.isInteger(batch) || batch <= 0) {
    throw new UsageError(`batch must be a positive integer, got ${batch}`);
  }
  if (dims !== undefined) {
    const n = dims.reduce((a, b) => a * b, 1);
    if (dims[0] !== batch || n !== input.length) {
      throw new UsageError(
        `input dims [${dims.join(',')}] do not fit batch ${batch} and ${input.length} values`,
      );
    }
    return [...dims];
  }
  const rest = inputShape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) {
    throw new UsageError(
      `the model input '${inputName}' has dynamic dims [${inputShape.join(',')}]: pass the input dims to run()`,
    );
  }
  const per = (rest as number[]).reduce((a, b) => a * b, 1);
  if (per * batch !== input.length) {
    throw new UsageError(
      `input has ${input.length} values; batch ${batch} of [${rest.join(',')}] needs ${per * batch}`,
    );
  }
  return [batch, ...(rest as number[])];
}

/**
 * Checks that `extra` gives exactly the model's other inputs, each with dims that multiply to its
 * length and (for a batched input) `batch` rows along dim 0.
 */
export function checkExtraInputs(
  expected: readonly string[],
  extra: Readonly<Record<string, ExtraInput>> | undefined,
  batch: number,
): void {
  const given = Object.keys(extra ?? {});
  const missing = expected.filter((n) => !given.includes(n));
  if (missing.length > 0) {
    throw new UsageError(`the model also takes input(s) ${missing.join(', ')}: pass them in extra`);
  }
  const unknown = given.filter((n) => !expected.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `extra input(s) ${unknown.join(', ')} are not inputs of the model (its other inputs: ${expected.join(', ') || 'none'})`,
    );
  }
  for (const name of given) {
    const t = extra![name]!;
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (!t.dims.every((d) => Number.isInteger(d) && d >= 0) || n !== t.data.length) {
      throw new UsageError(
        `extra input '${name}': dims [${t.dims.join(',')}] do not fit its ${t.data.length} values`,
      );
    }
    if (t.dims.length === 0 || t.dims[0] !== batch) {
      throw new UsageError(
        `extra input '${name}' has dims [${t.dims.join(',')}]; its first dim must be the batch (${batch})`,
      );
    }
  }
}

/** Rows [from, to) along dim 0 of each extra input (views, no copy). */
export function sliceExtraInputs(
  extra: Readonly<Record<string, ExtraInput>>,
  from: number,
  to: number,
): Record<string, ExtraInput> {
  const out: Record<string, ExtraInput> = {};
  for (const [name, t] of Object.entries(extra)) {
    const per = t.dims[0] === 0 ? 0 : t.data.length / t.dims[0]!;
    out[name] = { data: t.data.subarray(from * per, to * per), dims: [to - from, ...t.dims.slice(1)] };
  }
  return out;
}

/**
 * `rows` (a view of n whole rows of `per` values) filled up to `size` rows with copies of its last
 * row; itself when it has them already. A fixed-batch model's short last run.
 */
export function padRows<T extends Float32Array | Int32Array | BigInt64Array>(
  rows: T,
  per: number,
  size: number,
): T {
  const n = per === 0 ? size : rows.length / per;
  if (n >= size) return rows;
  const out = new (rows.constructor as new (length: number) => T)(size * per);
  out.set(rows as never);
  const last = rows.subarray((n - 1) * per, n * per);
  for (let r = n; r < size; r++) out.set(last as never, r * per);
  return out;
}

/** Each extra input's rows filled up to `size` (see padRows). */
export function padExtraInputs(extra: Record<string, ExtraInput>, size: number): Record<string, ExtraInput> {
  const out: Record<string, ExtraInput> = {};
  for (const [name, t] of Object.entries(extra)) {
    const rows = t.dims[0]!;
    if (rows >= size || rows === 0) {
      out[name] = t;
      continue;
    }
    out[name] = { data: padRows(t.data, t.data.length / rows, size), dims: [size, ...t.dims.slice(1)] };
  }
  return out;
}
