import { describe, expect, it } from 'vitest';
import {
  ioThreadPoolSize,
  LIBUV_DEFAULT_THREADS,
  recommendedIoThreads,
} from '../../src/pipeline/io-threads.js';

describe("libuv's thread pool size", () => {
  it('reads UV_THREADPOOL_SIZE as libuv does: a positive integer up to 1024, else 4', () => {
    expect(ioThreadPoolSize({})).toBe(LIBUV_DEFAULT_THREADS);
    expect(LIBUV_DEFAULT_THREADS).toBe(4);
    expect(ioThreadPoolSize({ UV_THREADPOOL_SIZE: '17' })).toBe(17);
    expect(ioThreadPoolSize({ UV_THREADPOOL_SIZE: '5000' })).toBe(1024);
    for (const bad of ['0', '-3', 'many', '2.5', ''])
      expect(ioThreadPoolSize({ UV_THREADPOOL_SIZE: bad })).toBe(4);
  });

  it('recommends a thread per core and four more, never below libuv default or above its limit', () => {
    expect(recommendedIoThreads(16)).toBe(20);
    expect(recommendedIoThreads(2)).toBe(6);
    expect(recommendedIoThreads(1)).toBe(5);
    expect(recommendedIoThreads(4000)).toBe(1024);
  });
});
