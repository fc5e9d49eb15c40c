/**
 * Runs a model with an appended CAM graph on onnxruntime directly (the session wrapper feeds
 * one float input only), and compares maps: shared by the tiny-model and test-bed tests.
 */
import * as ort from 'onnxruntime-node';
import { type CamGraph, camTargetsTensor } from '../../src/onnx/cam-graph.js';

export interface CamGraphRun {
  readonly scores: Float32Array;
  readonly maps: Float32Array;
  readonly dims: readonly number[];
  readonly classes: BigInt64Array;
}

/** A session on a model with an appended CAM graph; `run` feeds one batch with its targets. */
export async function openCamGraph(graph: CamGraph, numClasses: number) {
  const session = await ort.InferenceSession.create(graph.bytes);
  return {
    async run(
      feeds: Record<string, ort.Tensor>,
      targets: readonly (readonly number[])[],
    ): Promise<CamGraphRun> {
      const t = camTargetsTensor(targets, numClasses, graph.maxRank);
      const out = await session.run(
        { ...feeds, [graph.targetsInput]: new ort.Tensor('int64', t, [targets.length, targets[0]!.length]) },
        [...graph.outputs],
      );
      const cam = out[graph.camOutput]!;
      return {
        scores: out[graph.scoreOutput]!.data as Float32Array,
        maps: cam.data as Float32Array,
        dims: cam.dims,
        classes: out[graph.classesOutput]!.data as BigInt64Array,
      };
    },
    release: () => session.release(),
  };
}

/** One batch through a fresh session. */
export async function runCamGraph(
  graph: CamGraph,
  feeds: Record<string, ort.Tensor>,
  targets: readonly (readonly number[])[],
  numClasses: number,
): Promise<CamGraphRun> {
  const session = await openCamGraph(graph, numClasses);
  try {
    return await session.run(feeds, targets);
  } finally {
    await session.release();
  }
}

/**
 * The largest difference between two maps, relative to the reference's scale where that exceeds
 * 1 (raw, unnormalised maps): float32 sums in another order differ in the last bits.
 */
export function maxMapError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let error = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    error = Math.max(error, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
  }
  return error / scale;
}
