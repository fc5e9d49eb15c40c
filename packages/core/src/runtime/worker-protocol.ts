/**
 * Messages between a worker session (worker-session.ts, main side) and its worker
 * (session-worker.ts). Typed errors cross the thread boundary through ../threads.ts: an error
 * created in the worker reaches the caller as the same class with the same code, message, hint,
 * file and line.
 */
import type { SerializedError } from '../threads.js';
import type { Device, OutputTensor, Provider } from './session.js';

/** `workerData` of a session worker. `model` is a path, or bytes transferred to the worker. */
export interface WorkerInit {
  model: Uint8Array | string;
  device: Device;
  options: {
    intraOpThreads?: number;
    interOpThreads?: number;
    outputs?: readonly string[];
    file?: string;
  };
}

export interface SessionInfo {
  provider: Provider;
  inputName: string;
  inputShape: (number | string)[];
  fixedBatch: number | null;
  outputNames: string[];
}

export type ToWorker =
  | { type: 'run'; id: number; input: Float32Array; batch: number; dims: number[] | null }
  | { type: 'release'; id: number };

export type FromWorker =
  | { type: 'ready'; info: SessionInfo }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; outputs: Record<string, OutputTensor> }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'released'; id: number };

export { reviveError, type SerializedError, serializeError } from '../threads.js';
