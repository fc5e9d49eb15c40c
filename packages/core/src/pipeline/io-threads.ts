/**
 * libuv's thread pool: one per process, shared by every worker thread, it runs each sharp decode
 * and encode and each asynchronous file operation. Its size is read once, at its first use, from
 * UV_THREADPOOL_SIZE (default 4): a pool of 15 decode workers on a 16-core GPU host would queue
 * every decode behind 4 threads. A program that starts decode workers sets the variable before
 * anything uses the pool (the CLI's bin does it first thing); `doctor` shows the size in force.
 */
import { availableParallelism } from 'node:os';

/** libuv's pool size when UV_THREADPOOL_SIZE is unset or not a positive integer. */
export const LIBUV_DEFAULT_THREADS = 4;
/** libuv's upper bound on the pool. */
const LIBUV_MAX_THREADS = 1024;

/** The pool size UV_THREADPOOL_SIZE gives (what libuv uses if the pool is not yet running). */
export function ioThreadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, LIBUV_MAX_THREADS) : LIBUV_DEFAULT_THREADS;
}

/**
 * The pool size for a pipeline on `cores` cores: one thread per core for the decodes (each
 * worker's sharp runs one thread per image), and a few more so that file writes never wait
 * behind them.
 */
export function recommendedIoThreads(cores: number = availableParallelism()): number {
  return Math.min(LIBUV_MAX_THREADS, Math.max(LIBUV_DEFAULT_THREADS, cores + 4));
}
