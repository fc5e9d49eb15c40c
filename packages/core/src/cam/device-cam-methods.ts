/**
 * Which CAM methods can run inside the model's graph (see onnx/cam-graph.ts): the rows of
 * `CAM_METHODS` with a graph form. On a GAP-linear or class-map head the gradient of a class score
 * with respect to the features is constant over the grid, so these methods have closed forms made
 * of a row gather, per-channel sums and a channel-weighted sum: standard ONNX ops, written in each
 * method's file (`graphWeights`). The Score-CAM family needs extra forward passes and Eigen-CAM an
 * SVD: they stay on the JS path, as do the `--compat` variants that differ from the paper.
 */
import { CAM_METHOD_NAMES, CAM_METHODS, type CamMethodName, type GraphMethodName } from './registry.js';
import type { CamHeadWeights } from './types.js';

/** The methods whose row says `graph: true` (derived from the table). */
export type DeviceCamMethod = GraphMethodName;

export const DEVICE_CAM_METHODS: readonly DeviceCamMethod[] = CAM_METHOD_NAMES.filter(
  (m): m is DeviceCamMethod => CAM_METHODS[m].graph === true,
);

/** The lowest opset the appended graph needs (MatMul with batch broadcasting, Cast-6, Equal-7). */
export const DEVICE_CAM_MIN_OPSET = 7;

/** Whether `method` has an on-device form. */
export function isDeviceCamMethod(method: string): method is DeviceCamMethod {
  return (DEVICE_CAM_METHODS as readonly string[]).includes(method);
}

/**
 * Whether the CAM of `method` can be computed on the device for this head and opset; the reason
 * when not, for a caller that falls back to the JS path and says why.
 */
export function deviceCamSupport(
  method: CamMethodName | string,
  head: Pick<CamHeadWeights, 'kind' | 'weights'> & {
    readonly featureShape: readonly (number | null)[];
  },
  opset: number,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  if (!isDeviceCamMethod(method)) {
    return { ok: false, reason: `${method} has no on-device form (it needs forward passes or an SVD)` };
  }
  if (opset < DEVICE_CAM_MIN_OPSET) {
    return { ok: false, reason: `the model's opset ${opset} is below ${DEVICE_CAM_MIN_OPSET}` };
  }
  if (head.kind === 'tokens' || head.kind === 'layer') {
    return {
      ok: false,
      reason: 'the head has no closed form (token features, or a layer without a linear head)',
    };
  }
  if (head.kind === 'gap-linear' && head.weights === null) {
    return { ok: false, reason: 'the head has no classifier weights' };
  }
  const [, , h, w] = head.featureShape;
  if (typeof h !== 'number' || typeof w !== 'number') {
    return { ok: false, reason: 'the feature grid size is not known before running the model' };
  }
  return { ok: true };
}
