/**
 * Messages between the two sides of a worker session: session-thread-main.ts (the calling
 * thread) and session-thread-worker.ts (the worker thread that owns onnxruntime). Typed errors
 * cross the thread boundary through ../threads.ts: an error created in the worker reaches the
 * caller as the same class with the same code, message, hint, file and line.
 */
import type { SerializedError } from '../threads.js';
import type { DeviceSpec } from './device.js';
import type { DeviceChoice, ExtraInput, OutputTensor } from './types.js';

/** `workerData` of a session worker. `model` is a path, or bytes transferred to the worker. */
export interface WorkerInit {
  model: Uint8Array | string;
  device: DeviceSpec;
  options: {
    intraOpThreads?: number;
    interOpThreads?: number;
    outputs?: readonly string[];
    file?: string;
  };
}

export interface SessionInfo {
  deviceChoice: DeviceChoice;
  inputName: string;
  inputShape: (number | string)[];
  extraInputNames: string[];
  fixedBatch: number | null;
  outputNames: string[];
}

export type ToWorker =
  | {
      type: 'run';
      id: number;
      input: Float32Array;
      batch: number;
      dims: number[] | null;
      extra: Record<string, ExtraInput> | null;
    }
  | { type: 'release'; id: number };

export type FromWorker =
  | { type: 'ready'; info: SessionInfo }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; outputs: Record<string, OutputTensor> }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'released'; id: number };
