export * from './escape.js';
export * from './faithfulness-section.js';
export * from './html.js';
export * from './markdown.js';
export * from './svg.js';
export * from './types.js';
