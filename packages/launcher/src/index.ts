export * from './build.js';
export * from './cleanup.js';
export { exec, killGroup, tail, type ExecResult } from './exec.js';
export * from './manifests.js';
export * from './proc-sampler.js';
export * from './server-process.js';
export * from './fixtures.js';
export * from './machine-stat.js';
export * from './free-port.js';
