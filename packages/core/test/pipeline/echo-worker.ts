/** A task worker for the pool tests: doubles numbers, echoes buffers, throws typed errors, or dies. */
import { threadId } from 'node:worker_threads';
import { ImageError } from '../../src/errors.js';
import { serveTasks } from '../../src/pipeline/task-worker.js';

export type EchoRequest =
  | { op: 'double'; values: Float32Array }
  | { op: 'fail'; file: string }
  | { op: 'die' }
  | { op: 'slow'; ms: number; tag: number };

serveTasks<{ factor: number; failSetup?: boolean }, EchoRequest, unknown>(async (init) => {
  if (init.failSetup) throw new ImageError('E_IMAGE_READ', 'set-up failed on purpose', { file: 'setup.png' });
  return async (request) => {
    switch (request.op) {
      case 'double': {
        const out = request.values.map((v) => v * init.factor);
        return { result: { out, received: request.values.length }, transfer: [out.buffer as ArrayBuffer] };
      }
      case 'fail':
        throw new ImageError('E_IMAGE_READ', 'cannot decode', { file: request.file, hint: 'check the file' });
      case 'die':
        // An uncaught exception outside any task: the thread dies as a native crash would leave it.
        setTimeout(() => {
          throw new Error('worker crashed on purpose');
        });
        return new Promise(() => {});
      case 'slow':
        await new Promise((r) => setTimeout(r, request.ms));
        return { result: request.tag < 0 ? threadId : request.tag };
    }
  };
});
