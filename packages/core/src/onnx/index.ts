export * from './add-outputs.js';
export * from './encode.js';
export * from './model.js';
