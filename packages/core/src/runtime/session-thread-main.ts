/**
 * The main side of a worker session: the calling thread's handle on a session that runs
 * onnxruntime in a worker thread (the worker side is session-thread-worker.ts).
 *
 * - The model bytes are copied once and the copy is transferred to the worker (a path is passed as is).
 * - Each run copies the caller's input and extra inputs once (`slice()`, exactly the view, so a
 *   subarray of a larger buffer does not drag the rest along) and transfers the copy: the caller's
 *   arrays are never detached (Score-CAM reuses its masked batch buffer). With `transfer: true` the
 *   caller gives its buffers away: whole, unshared buffers are transferred as they are (detached
 *   afterwards); views of a larger buffer are still copied.
 * - An input in shared memory (a SharedArrayBuffer, as the pipeline's batch slots) is posted as
 *   it is: no copy here; the session copies it once into plain memory for onnxruntime.
 * - Outputs come back transferred (no copy). Runs may be in flight together: the worker runs them
 *   one at a time in call order and each request has an id.
 * - The worker is unref'd while nothing is pending, so a forgotten session does not keep the
 *   process alive; `release()` releases the session in the worker, then terminates it and waits for
 *   it to exit. A crashed worker rejects pending runs and every later run with a ModelError.
 */
import type { Worker } from 'node:worker_threads';
import { CamLocalizeError, DeviceError, ModelError, UsageError } from '../errors.js';
import { reviveError, startModuleWorker } from '../threads.js';
import type { DeviceSpec } from './device.js';
import { checkExtraInputs, checkInputDims, runOptions } from './run-inputs.js';
import type { FromWorker, SessionInfo, ToWorker, WorkerInit } from './session-thread-protocol.js';
import type {
  DeviceChoice,
  ExtraInput,
  ModelSession,
  OutputTensor,
  Provider,
  RunOptions,
  SessionOptions,
} from './types.js';

interface Pending {
  resolve: (outputs: Record<string, OutputTensor>) => void;
  reject: (error: Error) => void;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]!.slice(0, 500) : String(e);
}

/**
 * onnxruntime's session set-up recurses deeply on the thread that calls it; on a worker's default
 * 4 MiB stack it overflowed (a segmentation fault, no error) as soon as the process had a long
 * command line (`predict` with ~200 file arguments), so the session thread gets a native-sized stack.
 */
const SESSION_THREAD_STACK_MB = 64;

function startWorker(init: WorkerInit, transferList: ArrayBuffer[]): Worker {
  return startModuleWorker(import.meta.url, 'session-thread-worker', {
    workerData: init,
    transferList,
    stackSizeMb: SESSION_THREAD_STACK_MB,
    missing: (path) =>
      new DeviceError(`the session worker ${path} is missing`, {
        hint: "rebuild @cam-localize/core (pnpm build), or create the session with thread: 'main'",
      }),
  });
}

/** Starts a worker, opens the session there and waits until it is ready (or failed). */
export async function openWorkerSession(
  model: Uint8Array | string,
  device: DeviceSpec,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const file = options.file ?? (typeof model === 'string' ? model : undefined);
  // A copy made here (not `model.slice()`: on a Buffer that is a view, and transferring it would
  // detach the caller's bytes).
  const bytes = typeof model === 'string' ? model : new Uint8Array(model);
  const init: WorkerInit = {
    model: bytes,
    device,
    options: {
      ...(options.intraOpThreads === undefined ? {} : { intraOpThreads: options.intraOpThreads }),
      ...(options.interOpThreads === undefined ? {} : { interOpThreads: options.interOpThreads }),
      ...(options.outputs === undefined ? {} : { outputs: [...options.outputs] }),
      ...(file === undefined ? {} : { file }),
    },
  };
  const worker = startWorker(init, typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer]);
  const where = file === undefined ? {} : { file };
  let info: SessionInfo;
  try {
    info = await new Promise<SessionInfo>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        cleanup();
        if (m.type === 'ready') resolve(m.info);
        else if (m.type === 'failed') reject(reviveError(m.error, { thread: 'the session worker' }));
        else reject(new Error(`unexpected first message '${m.type}' from the session worker`));
      };
      const onError = (e: unknown) => {
        cleanup();
        reject(
          new DeviceError(`the onnxruntime worker thread failed to start: ${describe(e)}`, {
            cause: e,
            ...where,
            hint: "create the session with thread: 'main' to run onnxruntime on the calling thread",
          }),
        );
      };
      const onExit = (code: number) => onError(new Error(`it exited with code ${code}`));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  return new WorkerModelSession(worker, info, file);
}

class WorkerModelSession implements ModelSession {
  readonly thread = 'worker' as const;
  readonly provider: Provider;
  readonly deviceChoice: DeviceChoice;
  readonly inputName: string;
  readonly inputShape: readonly (number | string)[];
  readonly extraInputNames: readonly string[];
  readonly fixedBatch: number | null;
  readonly outputNames: readonly string[];
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Set once the worker has crashed or exited on its own. */
  private failure: ModelError | undefined;
  private releasing: Promise<void> | undefined;
  private stopping = false;
  /** The thread's end after a failure (see stopGently). */
  private stopped: Promise<void> | undefined;
  private exited = false;

  constructor(
    private readonly worker: Worker,
    info: SessionInfo,
    private readonly file: string | undefined,
  ) {
    this.deviceChoice = info.deviceChoice;
    this.provider = info.deviceChoice.provider;
    this.inputName = info.inputName;
    this.inputShape = info.inputShape;
    this.extraInputNames = info.extraInputNames;
    this.fixedBatch = info.fixedBatch;
    this.outputNames = info.outputNames;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.fail(`the onnxruntime worker thread crashed: ${describe(e)}`, e));
    worker.on('messageerror', (e) =>
      this.fail(`a message from the onnxruntime worker thread was lost: ${describe(e)}`, e),
    );
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.stopping) this.fail(`the onnxruntime worker thread exited unexpectedly (exit code ${code})`);
    });
    worker.unref();
  }

  private where(): { file?: string } {
    return this.file === undefined ? {} : { file: this.file };
  }

  private fail(message: string, cause?: unknown): void {
    this.failure ??= new ModelError('E_SESSION', message, {
      ...this.where(),
      ...(cause === undefined ? {} : { cause }),
      hint: 'the session is unusable: create a new one',
    });
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker.unref();
    for (const p of pending) p.reject(this.failure);
    if (!this.stopping) {
      this.stopping = true;
      void this.stopGently();
    }
  }

  /**
   * Stops the thread without cutting a forward pass short: onnxruntime-node runs on the thread
   * synchronously, and a thread terminated inside that call aborts the whole process (the addon
   * cannot build its results in a dying thread). The release message is handled after the pass;
   * the thread is terminated once it answers, or as soon as it has exited by itself.
   */
  private stopGently(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      // Held until then: a process that exits around a thread inside a forward pass aborts too.
      this.worker.ref();
      const id = this.nextId++;
      const onMessage = (m: FromWorker) => {
        if (m.type === 'released' && m.id === id) finish();
      };
      const finish = () => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', finish);
        resolve();
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', finish);
      try {
        this.worker.postMessage({ type: 'release', id } satisfies ToWorker);
      } catch {
        finish();
      }
    }).then(async () => {
      await this.worker.terminate();
    });
    return this.stopped;
  }

  private onMessage(m: FromWorker): void {
    if (m.type !== 'result' && m.type !== 'error' && m.type !== 'released') return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.type === 'result') p.resolve(m.outputs);
    else if (m.type === 'error') p.reject(reviveError(m.error, { thread: 'the session worker' }));
    else p.resolve({});
  }

  private request(message: ToWorker, transfer: ArrayBuffer[]): Promise<Record<string, OutputTensor>> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(message.id, { resolve, reject });
      try {
        this.worker.postMessage(message, transfer);
      } catch (e) {
        this.pending.delete(message.id);
        if (this.pending.size === 0) this.worker.unref();
        reject(e);
      }
    });
  }

  async run(
    input: Float32Array,
    batch: number,
    options?: readonly number[] | RunOptions,
  ): Promise<Record<string, OutputTensor>> {
    if (this.releasing !== undefined) throw new UsageError('the session was released');
    if (this.failure !== undefined) {
      throw new ModelError('E_SESSION', `the session cannot run: ${this.failure.message}`, {
        ...this.where(),
        cause: this.failure,
        hint: this.failure.hint,
      });
    }
    const { dims, extra, transfer = false } = runOptions(options);
    checkInputDims(this.inputName, this.inputShape, input, batch, dims);
    checkExtraInputs(this.extraInputNames, extra, batch);
    const buffers = new Set<ArrayBuffer>();
    const sent = handOver(input, transfer, buffers);
    let sentExtra: Record<string, ExtraInput> | null = null;
    if (extra !== undefined) {
      sentExtra = {};
      for (const [name, t] of Object.entries(extra)) {
        sentExtra[name] = { data: handOver(t.data, transfer, buffers), dims: [...t.dims] };
      }
    }
    const id = this.nextId++;
    return this.request(
      { type: 'run', id, input: sent, batch, dims: dims === undefined ? null : [...dims], extra: sentExtra },
      [...buffers],
    );
  }

  release(): Promise<void> {
    this.releasing ??= (async () => {
      if (this.failure === undefined) {
        try {
          await this.request({ type: 'release', id: this.nextId++ }, []);
        } catch (e) {
          if (!(e instanceof CamLocalizeError)) throw e;
        }
      }
      if (this.stopped !== undefined) return this.stopped; // failed: the thread is being stopped
      this.stopping = true;
      await this.worker.terminate();
    })();
    return this.releasing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/**
 * The array to post and its buffer added to `buffers` (the transfer list): the caller's own array
 * when it gives it away and it is a whole, unshared buffer not already listed; a copy otherwise.
 */
function handOver<T extends Float32Array | Int32Array | BigInt64Array>(
  data: T,
  transfer: boolean,
  buffers: Set<ArrayBuffer>,
): T {
  // Shared memory is posted as it is: both threads see the same bytes, nothing is copied.
  if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) return data;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const own =
    transfer && whole && data.buffer instanceof ArrayBuffer && !buffers.has(data.buffer)
      ? data
      : (data.slice() as T);
  buffers.add(own.buffer as ArrayBuffer);
  return own;
}
