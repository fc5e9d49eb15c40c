/**
 * The one validation of a device string, at the edge (CLI flags and `createSession`); everything
 * below takes the parsed `DeviceSpec` and checks nothing again.
 */
import { UsageError } from '../errors.js';
import type { Device, Provider, SessionThread } from './types.js';

export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda', 'webgpu'];
export const SESSION_THREADS: readonly SessionThread[] = ['worker', 'main'];

/** A parsed device: what to try, and the CUDA device id (null: the provider's default, 0). */
export interface DeviceSpec {
  readonly kind: 'auto' | Provider;
  readonly deviceId: number | null;
}

const PATTERN = /^(auto|cpu|cuda|webgpu)(?::(\d{1,4}))?$/;

/** Checks a device string (`auto`, `cpu`, `cuda`, `cuda:N`, `webgpu`) and returns it as a Device. */
export function parseDevice(value: string): Device {
  return formatDevice(deviceSpec(value));
}

/** Parses and checks a device string (UsageError naming what is wrong). */
export function deviceSpec(value: string): DeviceSpec {
  const m = PATTERN.exec(String(value).trim());
  if (m === null) {
    throw new UsageError(`unknown device '${value}'`, {
      hint: `use one of ${DEVICES.join(', ')}, or cuda:N for the CUDA device with id N`,
    });
  }
  const kind = m[1] as DeviceSpec['kind'];
  if (m[2] === undefined) return { kind, deviceId: null };
  if (kind === 'webgpu') {
    throw new UsageError(`device '${value}': onnxruntime-node cannot choose a WebGPU adapter`, {
      hint: 'use `device: webgpu` (the default adapter); to pick a GPU, use `device: cuda:N`',
    });
  }
  if (kind !== 'cuda') {
    throw new UsageError(`device '${value}': only cuda takes a device id`, {
      hint: `use \`device: ${kind}\``,
    });
  }
  return { kind, deviceId: Number(m[2]) };
}

export function formatDevice(spec: DeviceSpec): Device {
  return (spec.deviceId === null ? spec.kind : `${spec.kind}:${spec.deviceId}`) as Device;
}

export function parseSessionThread(value: string): SessionThread {
  if ((SESSION_THREADS as readonly string[]).includes(value)) return value as SessionThread;
  throw new UsageError(`unknown session thread '${value}'`, {
    hint: `use one of ${SESSION_THREADS.join(', ')}`,
  });
}
