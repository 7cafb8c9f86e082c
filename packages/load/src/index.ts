import type { LoadGeneratorName } from '@kvbench/schemas';
import { autocannonGenerator } from './autocannon/driver.js';
import { nativeGenerator } from './native/driver.js';
import { wrkGenerator } from './wrk/driver.js';
import type { LoadGenerator } from './types.js';

export type * from './types.js';
export { RequestSource, Sfc32, type DrawnRequest, type TrafficSpec } from './bodies.js';
export { KVLOAD, nativeDrawnRequests } from './native/driver.js';
export { calibrateCpus, type CpuSpeed, loopbackNsPerRoundTrip } from './native/calibrate.js';
export { decodeHistogram } from './histogram.js';
export { accountingError, isExpectedStatus } from './failures.js';
export { cpuCount, eachCpu, loopbackUrl } from './target.js';

const generators: Record<LoadGeneratorName, LoadGenerator> = {
  native: nativeGenerator,
  autocannon: autocannonGenerator,
  wrk: wrkGenerator,
};

export function loadGenerator(name: LoadGeneratorName): LoadGenerator {
  const generator = generators[name];
  if (!generator) throw new Error(`unknown load generator ${JSON.stringify(name)}: use one of ${Object.keys(generators).join(', ')}`);
  return generator;
}
