/**
 * For tests outside core that need a tiny ONNX graph and a raw session (e.g. eval's metrics through
 * a real onnxruntime session): core's protobuf writer and session factory are internal to core, so
 * tests reach them here, in one place, rather than through core's public entry.
 */
export { encodeValueInfo } from '../packages/core/src/onnx/add-outputs.js';
export { ProtoWriter } from '../packages/core/src/onnx/encode.js';
export { createSession } from '../packages/core/src/runtime/index.js';
