export * from './add-outputs.js';
export * from './cam-graph.js';
export * from './encode.js';
export * from './graph-fragment.js';
export { type ParseOptions, parseOnnxModel, readOnnxModel } from './read-model.js';
export * from './schema.js';
