import type { CaseGroup, ConformanceCase } from '../case.js';
import { expectValue, put } from '../check.js';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? { [`level${i}`]: value } : [value];
  return value;
}

/** JSON values of every type, each of which must read back equal after parsing. */
export const SAMPLE_VALUES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['a positive integer', 42],
  ['a negative integer', -17],
  ['the largest safe integer', Number.MAX_SAFE_INTEGER],
  ['the smallest safe integer', Number.MIN_SAFE_INTEGER],
  ['a float', 3.14159],
  ['a negative float', -0.5],
  ['a float with a long decimal expansion', 0.30000000000000004],
  ['a tiny float', 1e-7],
  ['a huge float', 6.02e23],
  ['an extreme float', 1.7976931348623157e308],
  ['an empty string', ''],
  ['an ASCII string', 'hello'],
  ['a unicode string', 'héllo wörld ✓ 日本語 ключ 🎉👍🏽'],
  ['a string with escapes', 'quote " backslash \\ slash / \b\f\n\r\t nul \u0000 unit \u001f del \u007f'],
  ['a string with JSON-looking and HTML-special text', '{"key": 1} <script>&amp;</script> \u2028\u2029'],
  ['an empty array', []],
  ['an empty object', {}],
  ['a mixed array', [1, 'two', null, true, false, 2.5, { three: [3] }, [], {}]],
  ['a nested object', { a: { b: { c: [1, [2, [3, {}]]] } }, d: null, e: '' }],
  ['an object with unicode and empty member names', { '': 1, ключ: 'значение', '🔑': ['🎉'], 'a"b\\c': true }],
  ['an object of 1000 members', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`m${i}`, i]))],
  ['a 100 KB string', 'abcdefghij'.repeat(10_000)],
  ['nesting 100 levels deep', nested(100)],
];

const roundTrip = (label: string, value: unknown, index: number): ConformanceCase => ({
  name: `${label} round-trips`,
  async run(sut) {
    const key = `value-${index}`;
    await put(sut, key, value);
    await expectValue(sut, key, value, `GET of ${label}`);
  },
});

export const valueCases: CaseGroup = {
  name: 'values of every JSON type',
  shared: {},
  cases: [
    ...SAMPLE_VALUES.map(([label, value], i) => roundTrip(label, value, i)),
    {
      name: 'every sample value survives a flush and a --load, equal after parsing',
      timeoutMs: 60_000,
      async run(sut) {
        const other = await sut.another();
        await other.start();
        for (const [i, [, value]] of SAMPLE_VALUES.entries()) await put(other, `disk-${i}`, value);
        await other.stopCleanly();
        await other.start({ load: true });
        for (const [i, [label, value]] of SAMPLE_VALUES.entries()) {
          await expectValue(other, `disk-${i}`, value, `GET of ${label} after a restart with --load`);
        }
        await other.stopCleanly();
      },
    },
  ],
};
