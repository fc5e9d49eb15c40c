/** Images: decoding/encoding (sharp, loaded lazily), PIL-exact resizing, preprocessing recipes. */
export * from './config.js';
export * from './encode.js';
export * from './preprocess.js';
export * from './presets.js';
export * from './resize.js';
export * from './sharp-codec.js';
export * from './types.js';
export * from './vips-preprocess.js';
