export * from './checks.js';
export * from './latency.js';
export * from './rates.js';
export * from './server.js';
export * from './timeline.js';
export * from './machine.js';
