/**
 * Runs with extra named inputs (a model with a second, target-class input) on both threads, the
 * fixed-batch split slicing them along dim 0, and `transfer: true` giving the input buffers away.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { DataType } from '../../src/onnx/schema.js';
import { createSession, type ExtraInput } from '../../src/runtime/index.js';
import { buildModel, randomFloats, S } from '../onnx/builder.js';

const plane = 3 * S * S;

/** out[n] = mean(input[n]) + float(target[n]): two inputs, the second of `elemType`. */
function twoInputModel(elemType: number, batch: number | string = 'N'): Uint8Array {
  const cast = elemType !== DataType.FLOAT;
  return buildModel({
    inputs: [
      { name: 'input', shape: [batch, 3, S, S] },
      { name: 'target', shape: [batch], elemType },
    ],
    outputs: [{ name: 'out', shape: [batch] }],
    nodes: [
      {
        op: 'ReduceMean',
        inputs: ['input'],
        outputs: ['mean'],
        attrs: { axes: { ints: [1, 2, 3] }, keepdims: { i: 0 } },
      },
      ...(cast
        ? [{ op: 'Cast', inputs: ['target'], outputs: ['t'], attrs: { to: { i: DataType.FLOAT } } }]
        : []),
      { op: 'Add', inputs: ['mean', cast ? 't' : 'target'], outputs: ['out'] },
    ],
  });
}

/** What the model computes, in float64 (compared at float32 tolerance). */
function expected(input: Float32Array, targets: ArrayLike<number | bigint>): number[] {
  const out: number[] = [];
  for (let n = 0; n < targets.length; n++) {
    let s = 0;
    for (let i = 0; i < plane; i++) s += input[n * plane + i]!;
    out.push(s / plane + Number(targets[n]!));
  }
  return out;
}

const kinds: [string, number, (v: number[]) => ExtraInput['data']][] = [
  ['int64', DataType.INT64, (v) => BigInt64Array.from(v, BigInt)],
  ['int32', DataType.INT32, (v) => Int32Array.from(v)],
  ['float32', DataType.FLOAT, (v) => Float32Array.from(v)],
];

describe.each(['worker', 'main'] as const)('extra named inputs (thread %s)', (thread) => {
  it.each(kinds)('passes a %s target tensor beside the image batch', async (_name, elemType, make) => {
    await using s = await createSession(twoInputModel(elemType), { device: 'cpu', thread });
    expect(s.inputName).toBe('input');
    expect(s.extraInputNames).toEqual(['target']);
    const input = randomFloats(3 * plane, 7);
    const targets = [3, 0, 7];
    const out = await s.run(input, 3, { extra: { target: { data: make(targets), dims: [3] } } });
    expect(out.out!.dims).toEqual([3]);
    const want = expected(input, targets);
    for (let n = 0; n < 3; n++) expect(out.out!.data[n]).toBeCloseTo(want[n]!, 5);
  });

  it('slices extra inputs along dim 0 when a fixed-batch model splits a batch', async () => {
    await using s = await createSession(twoInputModel(DataType.INT64, 1), { device: 'cpu', thread });
    expect(s.fixedBatch).toBe(1);
    const input = randomFloats(4 * plane, 9);
    const targets = [5, 1, 9, 2];
    const out = await s.run(input, 4, {
      extra: { target: { data: BigInt64Array.from(targets, BigInt), dims: [4] } },
    });
    expect(out.out!.dims).toEqual([4]);
    const want = expected(input, targets);
    for (let n = 0; n < 4; n++) expect(out.out!.data[n]).toBeCloseTo(want[n]!, 5);
  });

  it('fills a short last run of a model fixed at 3 with the last image and its extra inputs', async () => {
    await using s = await createSession(twoInputModel(DataType.INT64, 3), { device: 'cpu', thread });
    expect(s.fixedBatch).toBe(3);
    const input = randomFloats(5 * plane, 13);
    const targets = [5, 1, 9, 2, 7];
    const out = await s.run(input, 5, {
      extra: { target: { data: BigInt64Array.from(targets, BigInt), dims: [5] } },
    });
    expect(out.out!.dims).toEqual([5]);
    const want = expected(input, targets);
    for (let n = 0; n < 5; n++) expect(out.out!.data[n]).toBeCloseTo(want[n]!, 5);
  });

  it('refuses missing, unknown and misshapen extra inputs with a UsageError', async () => {
    await using s = await createSession(twoInputModel(DataType.INT64), { device: 'cpu', thread });
    const input = randomFloats(2 * plane);
    const target = { data: new BigInt64Array(2), dims: [2] };
    await expect(s.run(input, 2)).rejects.toThrow(/also takes input\(s\) target/);
    await expect(s.run(input, 2, { extra: { target, label: target } })).rejects.toThrow(
      /extra input\(s\) label are not inputs/,
    );
    await expect(
      s.run(input, 2, { extra: { target: { data: new BigInt64Array(3), dims: [2] } } }),
    ).rejects.toThrow(UsageError);
    await expect(
      s.run(input, 2, { extra: { target: { data: new BigInt64Array(3), dims: [3] } } }),
    ).rejects.toThrow(/first dim must be the batch \(2\)/);
  });
});

describe('transfer: true (worker thread)', () => {
  it("gives whole buffers away; views and the default keep the caller's arrays", async () => {
    await using s = await createSession(twoInputModel(DataType.INT64), { device: 'cpu' });
    const input = randomFloats(2 * plane, 11);
    const kept = input.slice();
    const target = BigInt64Array.from([4n, 6n]);
    const want = expected(kept, [4, 6]);

    const copied = await s.run(input, 2, { extra: { target: { data: target, dims: [2] } } });
    expect(input.length).toBe(2 * plane); // the default copies: nothing detached
    expect(target.length).toBe(2);

    const given = await s.run(input, 2, { extra: { target: { data: target, dims: [2] } }, transfer: true });
    expect(input.buffer.byteLength).toBe(0); // transferred: detached here
    expect(target.buffer.byteLength).toBe(0);
    for (let n = 0; n < 2; n++) {
      expect(copied.out!.data[n]).toBeCloseTo(want[n]!, 5);
      expect(given.out!.data[n]).toBe(copied.out!.data[n]);
    }

    // A view of a larger buffer is copied even when given away: the rest of the buffer stays.
    const big = new Float32Array(3 * plane);
    big.set(kept, plane);
    const view = big.subarray(plane);
    const fromView = await s.run(view, 2, {
      extra: { target: { data: BigInt64Array.from([4n, 6n]), dims: [2] } },
      transfer: true,
    });
    expect(big.length).toBe(3 * plane);
    expect(Array.from(fromView.out!.data)).toEqual(Array.from(copied.out!.data));
  });
});
