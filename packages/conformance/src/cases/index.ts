import type { CaseGroup } from '../case.js';
import { cliCases } from './cli.js';
import { concurrencyCases } from './concurrency.js';
import { corruptionCases } from './corruption.js';
import { durabilityCases } from './durability.js';
import { faultCases } from './faults.js';
import { httpApi } from './http-api.js';
import { keyCases } from './keys.js';
import { limitCases } from './limits.js';
import { malformedCases } from './malformed.js';
import { pathCases } from './paths.js';
import { persistenceCases } from './persistence.js';
import { protocolCases } from './protocol.js';
import { responseCases } from './responses.js';
import { reshardingCases } from './resharding.js';
import { statsCases } from './stats.js';
import { ttlExpiry, ttlValidation } from './ttl.js';
import { valueCases } from './values.js';
import { verificationCases } from './verification.js';

/** Every group of the suite, in the order the spec reads: command line, HTTP, store, disk. */
export const CASE_GROUPS: CaseGroup[] = [
  cliCases,
  httpApi,
  responseCases,
  statsCases,
  valueCases,
  keyCases,
  ttlValidation,
  ttlExpiry,
  protocolCases,
  pathCases,
  malformedCases,
  limitCases,
  concurrencyCases,
  persistenceCases,
  corruptionCases,
  durabilityCases,
  reshardingCases,
  verificationCases,
  faultCases,
];

export {
  EDGE_WRITES,
  readEdgeStore,
  readWrittenStore,
  writeEdgeStore,
  writeReferenceStore,
  type EdgeStore,
  type WrittenStore,
} from './cross-server.js';
export { MALFORMED } from './malformed.js';
export { SAMPLE_VALUES } from './values.js';
