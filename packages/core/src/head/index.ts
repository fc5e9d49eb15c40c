export * from './detect.js';
export * from './shapes.js';
export {
  assertMethodFitsHead,
  describeTokenLayout,
  detectTokenHead,
  TOKEN_FEATURE_METHODS,
  type TokenDetectionContext,
  type TokenLayout,
  tokensToGrid,
} from './tokens.js';
