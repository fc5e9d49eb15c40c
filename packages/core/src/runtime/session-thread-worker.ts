/**
 * The worker side of a worker session (the main side is session-thread-main.ts): opens the
 * onnxruntime session from `workerData` (device/provider selection as on the main thread,
 * ort-session.ts) and answers run/release requests one at a time, in the order they arrive.
 * Output arrays are transferred back; errors are sent as SerializedError and rebuilt as the same typed error on the main side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../threads.js';
import { type OrtModelSession, openOrtSession } from './ort-session.js';
import type { FromWorker, ToWorker, WorkerInit } from './session-thread-protocol.js';

const port = parentPort;
if (port === null)
  throw new Error('session-thread-worker.js runs only as a worker thread (see session-thread-main.ts)');

const init = workerData as WorkerInit;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let session: OrtModelSession | undefined;
/** Requests run strictly one after another (release must not overtake a queued run). */
let queue: Promise<void> = (async () => {
  try {
    session = await openOrtSession(init.model, init.device, init.options);
    send({
      type: 'ready',
      info: {
        deviceChoice: session.deviceChoice,
        inputName: session.inputName,
        inputShape: [...session.inputShape],
        extraInputNames: [...session.extraInputNames],
        fixedBatch: session.fixedBatch,
        outputNames: [...session.outputNames],
      },
    });
  } catch (e) {
    send({ type: 'failed', error: serializeError(e) });
  }
})();

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'release') {
    try {
      await session?.release();
    } finally {
      session = undefined;
      send({ type: 'released', id: message.id });
    }
    return;
  }
  try {
    if (session === undefined) throw new Error('the session worker has no session');
    const outputs = await session.run(message.input, message.batch, {
      ...(message.dims === null ? {} : { dims: message.dims }),
      ...(message.extra === null ? {} : { extra: message.extra }),
    });
    const transfer = new Set<ArrayBuffer>();
    for (const name of Object.keys(outputs)) {
      const t = outputs[name]!;
      // Transfer whole, unshared buffers; copy views (and a buffer used twice) out first.
      let data = t.data;
      const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
      if (!whole || !(data.buffer instanceof ArrayBuffer) || transfer.has(data.buffer)) data = data.slice();
      transfer.add(data.buffer as ArrayBuffer);
      outputs[name] = { data, dims: t.dims };
    }
    send({ type: 'result', id: message.id, outputs }, [...transfer]);
  } catch (e) {
    send({ type: 'error', id: message.id, error: serializeError(e) });
  }
}

port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
