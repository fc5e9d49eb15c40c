export * from './cam-session.js';
export * from './probe.js';
export * from './session.js';
