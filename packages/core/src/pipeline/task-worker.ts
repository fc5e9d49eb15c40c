/**
 * The worker side of a {@link TaskPool}: a worker module calls `serveTasks` once with its set-up
 * and its handler. Set-up runs first (its failure is reported to the pool, which then fails to
 * start); tasks are handled concurrently as they arrive, and a handler's thrown error goes back
 * as data and is revived on the other side as the class it was thrown as.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../threads.js';
import { SET_UP_LATER, type TaskReply, type TaskRequest } from './task-pool.js';

/** What a handler returns: the result, and the buffers inside it to transfer instead of copying. */
export interface TaskResult<Res> {
  readonly result: Res;
  readonly transfer?: readonly ArrayBuffer[];
}

export function serveTasks<Init, Req, Res>(
  setup: (init: Init) => Promise<(request: Req) => Promise<TaskResult<Res>>>,
): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks must run in a worker thread');
  const post = (m: TaskReply<Res>, transfer: readonly ArrayBuffer[] = []) =>
    port.postMessage(m, [...transfer]);
  const setUp = (init: Init) =>
    setup(init).then(
      (handle) => {
        port.on('message', (m: TaskRequest<Req>) => {
          handle(m.request).then(
            ({ result, transfer }) => post({ type: 'done', id: m.id, result }, transfer),
            (error: unknown) => post({ type: 'failed', id: m.id, error: serializeError(error) }),
          );
        });
        post({ type: 'ready' });
      },
      (error: unknown) => post({ type: 'init-failed', error: serializeError(error) }),
    );
  // Threads started before their set-up existed (TaskPool.spawn) get it as their first message.
  if (isSetUpLater(workerData)) {
    port.once('message', (m: { setUp: Init }) => setUp(m.setUp));
  } else {
    setUp(workerData as Init);
  }
}

function isSetUpLater(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { setUpLater?: unknown }).setUpLater === SET_UP_LATER.setUpLater
  );
}
