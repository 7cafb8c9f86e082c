export * from './environment.js';
export * from './execute-run.js';
export * from './plan.js';
export * from './results-file.js';
export * from './run-scenario.js';
export * from './scenario-file.js';
export * from './targets.js';
export * from './write-file.js';
