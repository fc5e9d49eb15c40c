/**
 * @cam-localize/eval: WSOL evaluation that reproduces wsolevaluation's numbers (Choe et al.,
 * CVPR 2020): box conventions and IoU, evaluators as accumulators (MaxBoxAcc / MaxBoxAccV2,
 * GT-known / Top-k Loc, PxAP), dataset readers with format detection, `.npy` score-map files,
 * the named evaluation protocol, the engine that scores a folder of score maps, and the
 * faithfulness metrics (Average Drop, Deletion/Insertion, ROAD) over any forward function.
 */
export * from './datasets/index.js';
export * from './evaluators/box-accuracy.js';
export * from './evaluators/localization.js';
export * from './evaluators/pxap.js';
export * from './faithfulness/index.js';
export * from './ground-truth.js';
export * from './iou.js';
export * from './masks.js';
export * from './npy.js';
export { numpySum } from './numpy-sum.js';
export * from './parallel/index.js';
export * from './protocol.js';
export * from './report/index.js';
export * from './score-cams.js';
