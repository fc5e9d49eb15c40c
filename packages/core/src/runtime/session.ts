/**
 * Sessions and devices: the public face of the runtime. onnxruntime-node itself is loaded lazily
 * by ort.ts (the only module that imports it), so importing @cam-localize/core loads no native code.
 *
 * By default a session runs in a worker thread (session-worker.ts): onnxruntime-node's `run` is
 * synchronous on the thread that calls it, so a session on the main thread would block
 * decoding/preprocessing/CAM work for the whole forward pass.
 */
import { UsageError } from '../errors.js';
import { openOrtSession } from './ort.js';
import { openWorkerSession } from './worker-session.js';

export {
  availableProviders,
  CUDA_INSTALL_HINT,
  loadOrt,
  ortBinaryFolder,
  type ProviderAvailability,
} from './ort.js';

export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu';
export type Provider = 'cpu' | 'cuda' | 'webgpu';
/** Where the forward pass runs: a worker thread of its own, or the thread that calls `run`. */
export type SessionThread = 'worker' | 'main';

export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda', 'webgpu'];
export const SESSION_THREADS: readonly SessionThread[] = ['worker', 'main'];

export interface SessionOptions {
  /** Default 'auto': CUDA when its provider is installed and starts, else CPU. */
  device?: Device;
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Outputs to fetch on each run; all graph outputs when omitted. */
  outputs?: readonly string[];
  /** For messages: the model file. */
  file?: string;
  /**
   * Default 'worker': the session lives in a worker thread of its own, so the calling thread stays
   * free while the model runs. The model bytes are copied once to the worker; each run copies its
   * input once (the caller's array is never detached) and gets the outputs transferred back.
   * 'main' runs onnxruntime on the calling thread, which blocks it during each forward pass.
   */
  thread?: SessionThread;
}

export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

export interface ModelSession extends AsyncDisposable {
  /** The execution provider the session got. */
  readonly provider: Provider;
  /** Where the forward pass runs. */
  readonly thread: SessionThread;
  readonly inputName: string;
  /** The declared input shape: numbers, or strings for symbolic dims. */
  readonly inputShape: readonly (number | string)[];
  /** The batch the model is fixed to (e.g. 1), or null when the batch is dynamic. */
  readonly fixedBatch: number | null;
  readonly outputNames: readonly string[];
  /**
   * Runs a float32 NCHW batch. A larger batch than a fixed-batch model takes is split into
   * runs of `fixedBatch` and the outputs concatenated along the first axis. `dims` gives the full
   * input dims when the model's spatial size is dynamic. Several runs may be in flight; they run
   * one after another in call order. `input` is only read (never detached or kept).
   */
  run(input: Float32Array, batch: number, dims?: readonly number[]): Promise<Record<string, OutputTensor>>;
  /** Releases the session (and stops its worker); runs already in flight finish first. Idempotent. */
  release(): Promise<void>;
}

export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new UsageError('E_USAGE', `unknown device '${value}'`, {
    hint: `use one of ${DEVICES.join(', ')}`,
  });
}

/** Creates a session on the requested device; `auto` reports the provider it got. */
export async function createSession(
  model: Uint8Array | string,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const device = options.device ?? 'auto';
  if (!(DEVICES as readonly string[]).includes(device)) parseDevice(String(device));
  const thread = options.thread ?? 'worker';
  if (!(SESSION_THREADS as readonly string[]).includes(thread)) {
    throw new UsageError('E_USAGE', `unknown session thread '${String(thread)}'`, {
      hint: `use one of ${SESSION_THREADS.join(', ')}`,
    });
  }
  return thread === 'main'
    ? openOrtSession(model, device, options)
    : openWorkerSession(model, device, options);
}
