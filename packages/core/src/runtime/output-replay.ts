/**
 * `--null-forward` (benchmarking): the model runs on the first batch only, and its outputs are
 * replayed (cycled over its images) for every later batch, so that a benchmark sees the cost of
 * everything but the model.
 */
import type { ModelSession, OutputTensor, RunOptions } from './types.js';

export class OutputReplay {
  private recorded: Record<string, OutputTensor> | undefined;

  /** The outputs of `count` images: the session's on the first call, replayed afterwards. */
  async run(
    session: ModelSession,
    input: Float32Array,
    count: number,
    options: RunOptions,
  ): Promise<Record<string, OutputTensor>> {
    this.recorded ??= await session.run(input, count, options);
    const out: Record<string, OutputTensor> = {};
    for (const [name, tensor] of Object.entries(this.recorded)) {
      const have = Number(tensor.dims[0]);
      const per = tensor.data.length / have;
      const data = new Float32Array(per * count);
      for (let i = 0; i < count; i++)
        data.set(tensor.data.subarray((i % have) * per, ((i % have) + 1) * per), i * per);
      out[name] = { ...tensor, data, dims: [count, ...tensor.dims.slice(1)] };
    }
    return out;
  }
}
