#!/usr/bin/env node
// Totals the test counts of every runner in a `pnpm test` log (vitest, cargo test, go test -v) into the one
// closing line CI reads: "tests: N passed, N failed". Exits 1 if the log shows a failure or no test at all.
import { readFileSync } from 'node:fs';

const log = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
const add = (re, onMatch) => {
  for (const m of log.matchAll(re)) onMatch(m);
};
// vitest: "      Tests  3 failed | 40 passed | 2 skipped (45)"
add(/^\S*\s*Tests\s+(.+)\(\d+\)\s*$/gm, (m) => {
  for (const part of m[1].split('|')) {
    const [, n, what] = /(\d+)\s+(\w+)/.exec(part) ?? [];
    if (what === 'passed') passed += Number(n);
    else if (what === 'failed') failed += Number(n);
    else if (what === 'skipped' || what === 'todo') skipped += Number(n);
  }
});
// cargo: "test result: ok. 12 passed; 0 failed; 0 ignored; ..."
add(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g, (m) => {
  passed += Number(m[1]);
  failed += Number(m[2]);
  skipped += Number(m[3]);
});
// go test -v: one line per test (subtests included)
add(/^\S*\s*--- PASS: /gm, () => passed++);
add(/^\S*\s*--- FAIL: /gm, () => failed++);
add(/^\S*\s*--- SKIP: /gm, () => skipped++);

console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
