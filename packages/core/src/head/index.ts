export * from './detect.js';
export * from './shapes.js';
