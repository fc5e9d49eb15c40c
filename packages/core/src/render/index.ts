/** Colormaps, score-map colouring, overlays, box drawing and a bitmap font (typed arrays only, no codecs). */
export * from './bitmap-font.js';
export * from './colormaps.js';
export * from './overlay.js';
