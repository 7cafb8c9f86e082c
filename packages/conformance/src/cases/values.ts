import assert from 'node:assert/strict';
import type { CaseGroup, ConformanceCase } from '../case.js';
import { expectError, expectMissing, expectStatus, expectValue, put, stats } from '../check.js';

/** The deepest nesting the spec allows: a scalar is depth 0, `[1]` depth 1, `[[1]]` depth 2. */
export const MAX_VALUE_DEPTH = 512;

/** A value `depth` levels deep, arrays and objects alternating, with a string at the bottom. */
export function nested(depth: number): unknown {
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
  [`nesting ${MAX_VALUE_DEPTH} levels deep, the most allowed`, nested(MAX_VALUE_DEPTH)],
  ['surrogate pairs (emoji outside the BMP) in strings and member names', { '😀': ['x 😀', { '🎉': '𝄞' }] }],
];

/**
 * A value whose bytes say more than its parsed form: number spellings (`1.0`, `1E+2`, `-0`, a 20-digit integer),
 * escapes that spell plain letters, spaces inside strings. Equal-after-parsing would pass a server that re-serialises;
 * the spec asks for the bytes, so every server does the same work and a client gets back what it sent.
 */
const AS_SENT = '{ "n" : 1.0,\t"e": 1E+2, "z": -0, "big": 12345678901234567890, "s": "\\u0041 \\/ b", "a": [ 1 , [ ] ] }';
const AS_STORED = '{"n":1.0,"e":1E+2,"z":-0,"big":12345678901234567890,"s":"\\u0041 \\/ b","a":[1,[]]}';

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
    {
      name: 'a value reads back as its bytes were sent, without insignificant whitespace, also after a flush and a --load',
      timeoutMs: 30_000,
      async run(sut) {
        const expectBytes = async (server: typeof sut, key: string, what: string) => {
          const res = await server.get(key);
          expectStatus(res, 200, what);
          assert.equal(res.text, `{"value":${AS_STORED}}`, `${what}: the value's bytes differ from the ones sent (compacted)`);
        };
        expectStatus(await sut.post(`{"key":"as-sent","value": ${AS_SENT} }`), 201, 'POST of a value spelled unusually');
        await expectBytes(sut, 'as-sent', 'GET of a value spelled unusually');
        const other = await sut.another();
        await other.start();
        expectStatus(await other.post(`{"key":"as-sent","value": ${AS_SENT} }`), 201, 'POST of a value spelled unusually');
        await other.stopCleanly();
        await other.start({ load: true });
        await expectBytes(other, 'as-sent', 'GET of a value spelled unusually after a restart with --load');
        await other.stopCleanly();
      },
    },
    {
      name: `a value nested ${MAX_VALUE_DEPTH} levels deep is accepted, arrays only or mixed with objects; ${MAX_VALUE_DEPTH + 1} is 400`,
      async run(sut) {
        const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const mixed = (depth: number) => JSON.stringify(nested(depth));
        for (const [shape, text] of [
          ['arrays', arrays],
          ['mixed', mixed],
        ] as const) {
          const key = `deep-${shape}`;
          const ok = await sut.post(`{"key":"${key}","value":${text(MAX_VALUE_DEPTH)}}`);
          expectStatus(ok, 201, `POST of a value of ${shape} nested ${MAX_VALUE_DEPTH} levels deep`);
          await expectValue(sut, key, JSON.parse(text(MAX_VALUE_DEPTH)), `GET of the value of ${shape} ${MAX_VALUE_DEPTH} levels deep`);
          for (const depth of [MAX_VALUE_DEPTH + 1, 1000]) {
            const res = await sut.post(`{"key":"${key}-${depth}","value":${text(depth)}}`);
            expectError(res, 400, `POST of a value of ${shape} nested ${depth} levels deep`);
            await expectMissing(sut, `${key}-${depth}`, `GET of the refused value of ${shape} ${depth} levels deep`);
          }
        }
        const before = (await stats(sut)).keys;
        expectError(await sut.post(`{"key":"deep-100000","value":${arrays(100_000)}}`), 400, 'POST of a value nested 100 000 levels deep');
        assert.equal((await stats(sut)).keys, before, '/stats after the refused 100 000-level value');
      },
    },
    {
      name: 'a lone surrogate escape anywhere in the value (string or member name, high or low) is 400',
      async run(sut) {
        const values = ['"\\ud800"', '"x\\udc00"', '{"a":[1,"x\\uD800y"]}', '{"a":[{"b":"\\uDFFF"}]}', '{"a":{"\\ud800":1}}', '"\\ude00\\ud83d"'];
        for (const [i, value] of values.entries()) {
          expectError(await sut.post(`{"key":"lone-${i}","value":${value}}`), 400, `POST of the value ${value}`);
          await expectMissing(sut, `lone-${i}`, `GET of the refused value ${value}`);
        }
      },
    },
    {
      name: 'a surrogate pair written as escapes ("\\ud83d\\ude00") in a nested string is the character it encodes',
      async run(sut) {
        const res = await sut.post('{"key":"pair-value","value":{"a":["x \\ud83d\\ude00", {"\\uD83C\\uDF89": "\\ud834\\udd1e"}]}}');
        expectStatus(res, 201, 'POST of a value holding escaped surrogate pairs');
        await expectValue(sut, 'pair-value', { a: ['x 😀', { '🎉': '𝄞' }] });
      },
    },
  ],
};
