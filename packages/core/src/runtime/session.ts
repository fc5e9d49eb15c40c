/**
 * Creating a session: the public entry of the runtime. The device string is validated here once
 * (`deviceSpec`), for library callers as for the CLI; the layers below take the parsed spec.
 *
 * By default a session runs in a worker thread (session-thread-main.ts / session-thread-worker.ts):
 * onnxruntime-node's `run` is synchronous on the thread that calls it, so a session on the main
 * thread would block decoding/preprocessing/CAM work for the whole forward pass.
 */
import { deviceSpec, parseSessionThread } from './device.js';
import { openOrtSession } from './ort-session.js';
import { openWorkerSession } from './session-thread-main.js';
import type { ModelSession, SessionOptions } from './types.js';

/** Creates a session on the requested device; `deviceChoice` says what it got and why. */
export async function createSession(
  model: Uint8Array | string,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const device = deviceSpec(options.device ?? 'auto');
  const thread = parseSessionThread(options.thread ?? 'worker');
  return thread === 'main'
    ? openOrtSession(model, device, options)
    : openWorkerSession(model, device, options);
}
