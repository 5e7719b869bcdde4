export * from './errors.js';
export * from './content-range.js';
export * from './digest.js';
export * from './limits.js';
export type * from './wire-types.js';
