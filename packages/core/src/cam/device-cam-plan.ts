/**
 * Whether a model computes its CAMs in the graph (`appendCamGraph`) or on the JS path, and the
 * maps the graph returned. The choice (`--cam-on-device`): `on` insists (an unsupported method or
 * head is an error), `off` never, `auto` only where it pays, when the session is headed for a GPU
 * (then the feature tensor never leaves the device); on the CPU the JS path is the reference.
 */
import { UsageError } from '../errors.js';
import type { CamHead } from '../head/detect.js';
import type { Device } from '../runtime/types.js';
import type { ScoreMap } from '../scoremap.js';
import { DEVICE_CAM_METHODS, deviceCamSupport, isDeviceCamMethod } from './device-cam-methods.js';
import type { CamRequest } from './head-cam.js';
import { CAM_METHODS, type CamMethodName, computesPaperForm } from './registry.js';
import type { CamCompat, Normalization } from './types.js';

export type CamOnDevice = 'auto' | 'on' | 'off';

export const CAM_ON_DEVICE_MODES: readonly CamOnDevice[] = ['auto', 'on', 'off'];

export interface DeviceCamRequest {
  readonly mode: CamOnDevice;
  readonly method: CamMethodName;
  /** The graph computes the paper's form: a `compat` that differs from it stays on the JS path. */
  readonly compat?: CamCompat;
  readonly normalization: Normalization;
  /** Maps per image: how many targets each row of `cam_targets` holds. */
  readonly targets: number;
  /** How deep a negative (rank) target may go: -1 .. -maxRank. */
  readonly maxRank: number;
}

/** The maps the graph computed for one image (or a batch): `classes[t]` is the class of map t. */
export interface DeviceMaps {
  readonly method: CamMethodName;
  readonly normalization: Normalization;
  readonly width: number;
  readonly height: number;
  readonly classes: Float32Array;
  /** [T, height, width] */
  readonly data: Float32Array;
}

/** A batch's maps (one DeviceMaps over every image) as one DeviceMaps per image: views, no copy. */
export function splitDeviceMaps(batch: DeviceMaps, count: number): DeviceMaps[] {
  const t = batch.classes.length / count;
  const size = batch.width * batch.height;
  return Array.from({ length: count }, (_, i) => ({
    ...batch,
    classes: batch.classes.subarray(i * t, (i + 1) * t),
    data: batch.data.subarray(i * t * size, (i + 1) * t * size),
  }));
}

/**
 * Decides whether to compute CAMs in the graph; throws for `on` where it cannot. `backprop`: the
 * model differentiates a layer (grad/), so the graph form is the method's backprop form.
 */
export function useDeviceCam(
  request: DeviceCamRequest,
  head: CamHead,
  opset: number,
  device: Device,
  cudaInstalled: boolean,
  backprop = false,
): boolean {
  if (request.mode === 'off') return false;
  const support = deviceSupport(request, head, opset, backprop);
  if (request.mode === 'on') {
    if (!support.ok) {
      throw new UsageError(`\`camOnDevice: on\`: ${support.reason}`, {
        hint: 'use `camOnDevice: auto` or `camOnDevice: off` (the CAM is then computed on the CPU)',
      });
    }
    return true;
  }
  if (!support.ok) return false;
  const base = device.split(':')[0];
  return base === 'cuda' || base === 'webgpu' || (base === 'auto' && cudaInstalled);
}

function deviceSupport(
  request: DeviceCamRequest,
  head: CamHead,
  opset: number,
  backprop: boolean,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const compat = request.compat ?? 'paper';
  if (!computesPaperForm(request.method, compat))
    return { ok: false, reason: `the ${compat} variant of ${request.method} is not computed in the graph` };
  if (backprop) {
    return CAM_METHODS[request.method].backprop === true
      ? { ok: true }
      : { ok: false, reason: `${request.method} has no backprop form in the graph` };
  }
  return isDeviceCamMethod(request.method)
    ? deviceCamSupport(request.method, head, opset)
    : { ok: false, reason: `the graph computes ${DEVICE_CAM_METHODS.join(', ')}, not '${request.method}'` };
}

/** The graph's map of a class, when it computed that class with the method asked for. */
export function deviceMapOf(maps: DeviceMaps, classIndex: number, request: CamRequest): ScoreMap | undefined {
  const method = typeof request.method === 'object' ? undefined : (request.method ?? 'cam');
  if (method !== maps.method || (request.normalization ?? 'relu-minmax') !== maps.normalization)
    return undefined;
  if (!computesPaperForm(method, request.compat)) return undefined;
  const t = maps.classes.indexOf(classIndex);
  if (t < 0) return undefined;
  const size = maps.width * maps.height;
  return { width: maps.width, height: maps.height, data: maps.data.slice(t * size, (t + 1) * size) };
}
