export * from './case.js';
export * from './cases/index.js';
export * from './check.js';
export * from './disk.js';
export { keyPath, request, sleep, type HttpResponse, type RequestOptions } from './http.js';
export { allResponses, firstResponse, rawExchange, type RawOptions, type RawOutcome } from './raw.js';
export { describeRun, runToExit, type RunOutcome } from './run.js';
export * from './server-under-test.js';
export { eventually } from './wait.js';
