export { DEVICES, type DeviceSpec, deviceSpec, parseDevice, SESSION_THREADS } from './device.js';
export { type CudaProviderCheck, checkCudaProvider, type NeededLibrary } from './diagnose/cuda.js';
export { type DoctorReport, type ProviderReport, runDoctor } from './diagnose/doctor.js';
export { type ElfDynamicInfo, readElfDynamic, readElfRodataStrings } from './diagnose/elf.js';
export { formatDoctor } from './diagnose/format.js';
export { type LibraryCheck, probeLibrary } from './diagnose/libraries.js';
export { loadOrt, ortBinaryFolder } from './ort.js';
export { availableProviders, CUDA_INSTALL_HINT } from './providers.js';
export { createSession } from './session.js';
export { probeTensorShape } from './tensor-shape-probe.js';
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
