/**
 * @cam-localize/core/workers: the worker-thread building blocks the sibling packages share
 * (eval's parallel scoring, the CLI's pipeline). Public so that those packages need not reach
 * into this one's source, but shaped for them: most users want `CamModel.load({ workers })`.
 */

// The CAMs of a batch's outputs: computed from the head's weights on a worker (HeadCam), or in the
// graph on the device (the maps split out of the outputs)
export { HeadCam } from './cam/head-cam.js';
export type { DeviceCamRequest, DeviceMaps } from './cam/device-cam-plan.js';
export { deviceMapOf, splitDeviceMaps } from './cam/device-cam-plan.js';
// What --compat does to a map resized to the input (pytorch-grad-cam's second min-max): the
// pipeline's boxes, saved maps and evaluation all resize through it
export { compatAfterResize } from './cam/library-resize.js';

// Class scores as probabilities (softmax, exp of log-probabilities), where records are made
export { type ScoreKind, toProbabilities } from './scores.js';

// The decode + preprocess task the pipeline runs on the pool
export {
  createPrepareTask,
  type PrepareInit,
  type PrepareRequest,
  type PrepareResponse,
} from './pipeline/prepare-task.js';
// The memory a model's input may take: its area (checked by CamModel.load), and the rule
// batch x input pixels the pipeline's batch memory is held to
export {
  checkBatchPixels,
  DEFAULT_MAX_BATCH_PIXELS,
  DEFAULT_MAX_INPUT_PIXELS,
} from './pipeline/memory-budget.js';
// libuv's thread pool, which runs every sharp decode of every worker: size it before first use
export { ioThreadPoolSize, LIBUV_DEFAULT_THREADS, recommendedIoThreads } from './pipeline/io-threads.js';
// A pool of worker threads that run named tasks, with transfers and typed errors across threads
export {
  checkWorkerCount,
  defaultPoolSize,
  type SpawningPool,
  TaskPool,
  type TaskPoolOptions,
  type TaskReply,
  type TaskRequest,
} from './pipeline/task-pool.js';
export { serveTasks, type TaskResult } from './pipeline/task-worker.js';
export {
  reviveError,
  type SerializedError,
  serializeError,
  startModuleWorker,
  workerModuleFlavour,
} from './threads.js';

// Files of the user's, as the sibling packages read and write them: only regular files read
// (a FIFO never waits for a writer); outputs written whole (temporary file, then rename), no link
// followed, folders below an output folder checked before they are made
export {
  assertRegularFileSync,
  openRegularFileSync,
  readFailureReason,
  readRegularFile,
  readRegularFileSync,
} from './files/regular-file.js';
export {
  type AtomicFile,
  openAtomicFileSync,
  writeAllSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './files/atomic-write.js';
export { makeFolderInside, makeFolders } from './files/confined-folder.js';
export { errnoCode, fileWriteError } from './files/write-failure.js';
// The typed error of those (code E_FILE); the main entry's errors are its siblings
export { FileError } from './errors.js';
