/** Colormaps, score-map colouring, overlays and box drawing (typed arrays only, no codecs). */
export * from './colormaps.js';
export * from './overlay.js';
