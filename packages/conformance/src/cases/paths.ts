import type { CaseGroup } from '../case.js';
import { expectError } from '../check.js';

/**
 * Paths that a router which cleans paths first (Go's ServeMux) would answer with a 307 redirect and an HTML body.
 * The spec has no such answer: none of them is a route, so each is the JSON 404 of "any other path".
 */
const UNCLEAN_PATHS = ['//kv/a', '/kv/a/../b', '/healthz/.', '/./stats', '/kv//a'];

export const pathCases: CaseGroup = {
  name: 'paths a router would clean',
  shared: {},
  cases: UNCLEAN_PATHS.map((urlPath) => ({
    name: `GET ${urlPath} is a 404 with the JSON error body, no redirect`,
    async run(sut) {
      expectError(await sut.request('GET', urlPath), 404, `GET ${urlPath}`);
    },
  })),
};
