/**
 * The WebAssembly SIMD kernels of core/wasm/resize.c (built by scripts/build-resize-wasm.sh, the
 * .wasm committed): one instance per thread, made on first use, and a bump arena over its memory
 * for one call's inputs and outputs. Used by the preprocessing resize (image/resize-wasm.ts) and
 * the score-map upsampling (resample-wasm.ts); each keeps its JS twin as the fallback.
 * `CAM_LOCALIZE_RESIZE=js` (or a runtime without WebAssembly SIMD) keeps the JS passes.
 */
import { readFileSync } from 'node:fs';

export interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly __heap_base: { readonly value: number };
  horizontal(
    src: number,
    inW: number,
    bpp: number,
    row0: number,
    rows: number,
    col0: number,
    cols: number,
    start: number,
    count: number,
    taps: number,
    weights: number,
    out: number,
  ): void;
  vertical(
    src: number,
    stride: number,
    bpp: number,
    srcRow0: number,
    outRow0: number,
    outRows: number,
    width: number,
    start: number,
    count: number,
    taps: number,
    weights: number,
    tables: number,
    planes: number,
    row: number,
  ): void;
  resample_vertical(
    tmp: number,
    outW: number,
    outH: number,
    rows: number,
    weights: number,
    k: number,
    validY: number,
    validX: number,
    allValidX: number,
    out: number,
  ): void;
}

/** The little of the WebAssembly global used here (this project's TypeScript libs omit it). */
interface WasmGlobal {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}

const PAGE = 65536;
/** Memory kept between calls; a call that needed more drops the instance afterwards. */
const KEEP_BYTES = 64 * 1024 * 1024;
const WASM_FILE = new URL('../../wasm/resize.wasm', import.meta.url);

let compiled: object | undefined;
let instance: KernelExports | undefined;
/** Why this thread runs the JS passes (undefined while WebAssembly serves). */
let unavailable: string | undefined;

/** This thread's instance, or undefined where WebAssembly (SIMD) is missing or switched off. */
export function kernels(): KernelExports | undefined {
  if (instance !== undefined || unavailable !== undefined) return instance;
  if (process.env.CAM_LOCALIZE_RESIZE === 'js') {
    unavailable = 'CAM_LOCALIZE_RESIZE=js';
    return undefined;
  }
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
    compiled ??= new wasm.Module(readFileSync(WASM_FILE));
    instance = new wasm.Instance(compiled, {}).exports as KernelExports;
  } catch (error) {
    unavailable = `WebAssembly SIMD did not load: ${error instanceof Error ? error.message : String(error)}`;
  }
  return instance;
}

/** Which resize runs on this thread, and why (for `cam-localize doctor`). */
export function resizeEngine(): string {
  return kernels() !== undefined ? 'WebAssembly SIMD' : `JS passes (${unavailable})`;
}

/**
 * A bump allocator over the instance's memory for one call (16-byte aligned blocks), or undefined
 * where the memory could not grow (a huge image: the caller runs the JS passes, and the next call
 * gets a fresh instance).
 */
export function arenaFor(wasm: KernelExports, bytes: number): Arena | undefined {
  try {
    return new Arena(wasm, bytes);
  } catch {
    instance = undefined;
    return undefined;
  }
}

/** After a call: an instance whose memory grew past KEEP_BYTES is dropped (the next is fresh). */
export function releaseArena(arena: Arena): void {
  if (arena.used > KEEP_BYTES) instance = undefined;
}

export class Arena {
  private at: number;
  constructor(
    private readonly wasm: KernelExports,
    bytes: number,
  ) {
    this.at = (wasm.__heap_base.value + 15) & ~15;
    const need = this.at + bytes;
    const have = wasm.memory.buffer.byteLength;
    if (need > have) wasm.memory.grow(Math.ceil((need - have) / PAGE));
  }

  take(bytes: number): number {
    const p = this.at;
    this.at += (bytes + 15) & ~15;
    return p;
  }

  /** Copies `data` in (`slack` more bytes reserved after it); returns its address. */
  put(data: ArrayBufferView, slack = 0): number {
    const p = this.take(data.byteLength + slack);
    new Uint8Array(this.wasm.memory.buffer, p, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return p;
  }

  get used(): number {
    return this.at;
  }
}
