/**
 * The vertical pass of the score-map upsampling (resample.ts's `separable`) in WebAssembly SIMD
 * (core/wasm/resize.c, `resample_vertical`): four columns per float32 multiply-add, the
 * operations in the JS pass's order, so the same map bit for bit (core/test/resample-wasm.test.ts
 * holds it to the JS pass). A 7x7 CAM to 224x224: about 0.02 against 0.15 core-ms in JS.
 */
import { arenaFor, kernels, releaseArena } from './wasm/kernels.js';

/** The taps of one axis, as resample.ts makes them. */
export interface VerticalTaps {
  readonly k: number;
  /** Source rows, `k` per output row. */
  readonly index: Int32Array;
  /** Weights (float32 values), `k` per output row. */
  readonly weight32: Float32Array;
  readonly valid: Uint8Array;
}

/**
 * `outH` rows of `outW` from the horizontal pass's rows `tmp` (rows of `outW`), or undefined where
 * WebAssembly is not available (the caller then runs the JS pass). Columns with `validX[x] === 0`
 * (unless `allValidX`) and rows outside the source are 0.
 */
export function resampleVerticalWasm(
  tmp: Float32Array,
  outW: number,
  outH: number,
  yt: VerticalTaps,
  validX: Uint8Array,
  allValidX: boolean,
): Float32Array | undefined {
  const wasm = kernels();
  if (wasm === undefined) return undefined;
  const outBytes = outW * outH * 4;
  const arena = arenaFor(
    wasm,
    tmp.byteLength + yt.index.byteLength + yt.weight32.byteLength + outH + outW + outBytes + 16 * 6,
  );
  if (arena === undefined) return undefined;
  const tmpAt = arena.put(tmp);
  const rows = arena.put(yt.index);
  const weights = arena.put(yt.weight32);
  const validY = arena.put(yt.valid);
  const valid = arena.put(validX);
  const out = arena.take(outBytes);
  wasm.resample_vertical(tmpAt, outW, outH, rows, weights, yt.k, validY, valid, allValidX ? 1 : 0, out);
  const result = new Float32Array(wasm.memory.buffer, out, outW * outH).slice();
  releaseArena(arena);
  return result;
}
