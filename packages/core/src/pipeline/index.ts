export * from './image-preparer.js';
export * from './prepare-task.js';
export * from './task-pool.js';
export * from './task-worker.js';
