export * from './add-outputs.js';
export * from './cam-graph.js';
export * from './encode.js';
export * from './graph-fragment.js';
export * from './model.js';
