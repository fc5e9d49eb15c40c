export * from './box.js';
export * from './errors.js';
export * from './geometry.js';
export * from './scoremap.js';
