export { DEVICES, type DeviceSpec, deviceSpec, parseDevice, SESSION_THREADS } from './device.js';
export { loadOrt, ortBinaryFolder } from './ort.js';
export { probeTensorShape } from './probe.js';
export { availableProviders, CUDA_INSTALL_HINT } from './providers.js';
export { createSession } from './session.js';
export type {
  Device,
  DeviceChoice,
  ExtraInput,
  ModelSession,
  OutputTensor,
  Provider,
  ProviderAvailability,
  RunOptions,
  SessionOptions,
  SessionThread,
} from './types.js';
