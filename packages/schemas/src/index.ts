export * from './errors.js';
export * from './manifest.js';
export * from './scenario.js';
export * from './results.js';
export * from './comparison.js';
export * from './history.js';
export * from './json-schema.js';
