/**
 * Messages between a worker session (worker-session.ts, main side) and its worker
 * (session-worker.ts), and the (de)serialisation of typed errors across the thread boundary:
 * an error created in the worker reaches the caller as the same class with the same code,
 * message, hint, file and line (its cause as a plain Error with the original message and stack).
 */
import {
  CamError,
  CamLocalizeError,
  type CamLocalizeErrorCode,
  DataError,
  DeviceError,
  HeadNotFoundError,
  ImageError,
  ModelError,
  UsageError,
} from '../errors.js';
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

export interface SerializedError {
  /** The class name: one of the typed errors, or 'Error' for anything else. */
  kind: string;
  code: CamLocalizeErrorCode | null;
  message: string;
  hint: string | null;
  file: string | null;
  line: number | null;
  stack: string | null;
  cause: { name: string; message: string; stack: string | null } | null;
}

const CLASSES: Record<string, typeof CamLocalizeError> = {
  CamLocalizeError,
  ModelError,
  HeadNotFoundError,
  DeviceError,
  ImageError,
  CamError,
  DataError,
  UsageError,
};

function plain(e: unknown): { name: string; message: string; stack: string | null } {
  return e instanceof Error
    ? { name: e.name, message: e.message, stack: e.stack ?? null }
    : { name: 'Error', message: String(e), stack: null };
}

export function serializeError(e: unknown): SerializedError {
  const p = plain(e);
  const typed = e instanceof CamLocalizeError;
  const cause = e instanceof Error && e.cause !== undefined ? plain(e.cause) : null;
  return {
    kind: typed && CLASSES[e.name] !== undefined ? e.name : typed ? 'CamLocalizeError' : 'Error',
    code: typed ? e.code : null,
    message: p.message,
    hint: typed ? (e.hint ?? null) : null,
    file: typed ? (e.file ?? null) : null,
    line: typed ? (e.line ?? null) : null,
    stack: p.stack,
    cause,
  };
}

/** Rebuilds an error from the worker as the class it was thrown as there. */
export function reviveError(s: SerializedError): Error {
  const cause =
    s.cause === null
      ? undefined
      : Object.assign(new Error(s.cause.message), {
          name: s.cause.name,
          ...(s.cause.stack === null ? {} : { stack: s.cause.stack }),
        });
  const Cls = CLASSES[s.kind];
  if (Cls === undefined || s.code === null) {
    const e = new Error(s.message, cause === undefined ? undefined : { cause });
    if (s.stack !== null) e.stack = s.stack;
    return e;
  }
  const e = new Cls(s.code, s.message, {
    ...(s.hint === null ? {} : { hint: s.hint }),
    ...(s.file === null ? {} : { file: s.file }),
    ...(s.line === null ? {} : { line: s.line }),
    ...(cause === undefined ? {} : { cause }),
  });
  if (s.stack !== null)
    e.stack = `${e.stack ?? e.message}\n    --- thrown in the session worker ---\n${s.stack.split('\n').slice(1).join('\n')}`;
  return e;
}
