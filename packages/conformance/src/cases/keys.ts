import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { expectCreated, expectError, expectMissing, expectStatus, expectValue, put, show, stats } from '../check.js';

/** Percent-encodes every byte, unreserved ones included (`.` becomes `%2E`). */
function encodeAll(key: string): string {
  return [...Buffer.from(key, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Keys in the path (one percent-decoded segment) and in the body (non-empty string of at most 1024 UTF-8 bytes). */
export const keyCases: CaseGroup = {
  name: 'keys',
  shared: {},
  cases: [
    {
      name: 'a key with a slash is read and deleted through %2F, and /kv/a/b is not that key',
      async run(sut) {
        await put(sut, 'a/b', 'slash');
        await expectValue(sut, 'a/b', 'slash', 'GET /kv/a%2Fb');
        const lower = await sut.request('GET', '/kv/a%2fb');
        expectStatus(lower, 200, 'GET /kv/a%2fb (lowercase hex)');
        expectError(await sut.request('GET', '/kv/a/b'), 404, 'GET /kv/a/b (two segments)');
        expectStatus(await sut.request('DELETE', '/kv/a%2Fb'), 204, 'DELETE /kv/a%2Fb');
        await expectMissing(sut, 'a/b', 'GET /kv/a%2Fb after DELETE');
      },
    },
    {
      name: 'keys with spaces, plus signs, reserved characters and unicode read back through percent-encoding',
      async run(sut) {
        const keys = ['hello world', 'a+b', '100%', 'q?x=1&y=2#frag', 'ключ 🔑', 'tab\there', '日本語', "~!*()'", ';,:@=$'];
        for (const [i, key] of keys.entries()) await put(sut, key, i);
        for (const [i, key] of keys.entries()) await expectValue(sut, key, i, `GET ${JSON.stringify(key)} at /kv/${encodeURIComponent(key)}`);
        for (const [i, key] of keys.entries()) {
          const res = await sut.request('GET', `/kv/${encodeAll(key)}`);
          expectStatus(res, 200, `GET ${JSON.stringify(key)} with every byte percent-encoded`);
          assert.deepStrictEqual(JSON.parse(res.text), { value: i });
        }
        // In a path, "+" is a plus sign, not a space (that is form encoding).
        const plus = await sut.request('GET', '/kv/a+b');
        expectStatus(plus, 200, 'GET /kv/a+b');
        assert.deepStrictEqual(JSON.parse(plus.text), { value: 1 }, `GET /kv/a+b read another key: ${show(plus)}`);
      },
    },
    {
      name: 'the keys "." and ".." read back through %2E, as one decoded segment like any other',
      async run(sut) {
        await put(sut, '.', 'dot');
        await put(sut, '..', 'dotdot');
        await expectValue(sut, '.', 'dot', 'GET /kv/%2E');
        await expectValue(sut, '..', 'dotdot', 'GET /kv/%2E%2E');
      },
    },
    {
      name: 'a key with control characters (NUL, newline) round-trips through %00 and %0A',
      async run(sut) {
        await put(sut, 'nul\u0000key', 'nul');
        await put(sut, 'line\nbreak', 'newline');
        await expectValue(sut, 'nul\u0000key', 'nul');
        await expectValue(sut, 'line\nbreak', 'newline');
      },
    },
    {
      name: 'bad percent-encoding is 400 with a JSON error, on GET and on DELETE',
      async run(sut) {
        for (const path of ['/kv/%zz', '/kv/%', '/kv/abc%4', '/kv/%g0', '/kv/a%2', '/kv/%%41']) {
          expectError(await sut.request('GET', path), 400, `GET ${path}`);
          expectError(await sut.request('DELETE', path), 400, `DELETE ${path}`);
        }
      },
    },
    {
      name: 'a percent-encoded byte sequence that is not UTF-8 (%FF) is 400 or 404, never a server error',
      async run(sut) {
        for (const path of ['/kv/%FF', '/kv/%C3%28', '/kv/%ED%A0%80']) {
          const res = await sut.request('GET', path);
          assert.ok(res.status === 400 || res.status === 404, `GET ${path}: expected 400 or 404, got ${show(res)}`);
          expectError(res, res.status, `GET ${path}`);
        }
      },
    },
    {
      name: 'a lone surrogate escape in the key (high or low, at the end or mid-key) is 400',
      async run(sut) {
        const before = (await stats(sut)).keys;
        for (const key of ['lone-\\ud800', 'lone-\\uDC00', '\\ud800-lone', '\\udbff\\u0041', '\\ude00\\ud83d']) {
          const res = await sut.post(`{"key":"${key}","value":1}`);
          expectError(res, 400, `POST with key "${key}"`);
        }
        assert.equal((await stats(sut)).keys, before, '/stats after the refused keys');
      },
    },
    {
      name: 'a surrogate pair written as escapes in the key is the character: read back through its UTF-8 percent-encoding',
      async run(sut) {
        expectCreated(await sut.post('{"key":"pair-\\ud83d\\ude00","value":1}'), 'POST with key "pair-\\ud83d\\ude00"');
        await expectValue(sut, 'pair-😀', 1, 'GET /kv/pair-%F0%9F%98%80');
        expectCreated(await sut.post('{"key":"pair-\\uD83D\\uDE00","value":2}'), 'POST with the same key in uppercase hex');
        await expectValue(sut, 'pair-😀', 2, 'GET after overwriting through the other spelling');
        expectStatus(await sut.delete('pair-😀'), 204, 'DELETE /kv/pair-%F0%9F%98%80');
      },
    },
    {
      name: 'an empty key is 400',
      async run(sut) {
        expectError(await sut.post({ key: '', value: 1 }), 400, 'POST with key ""');
      },
    },
    {
      name: 'a missing or non-string key is 400',
      async run(sut) {
        expectError(await sut.post({ value: 1 }), 400, 'POST without key');
        for (const key of [1, 0, null, true, [], ['a'], {}, { k: 'a' }]) {
          expectError(await sut.post({ key, value: 1 }), 400, `POST with key ${JSON.stringify(key)}`);
        }
      },
    },
    {
      name: 'a key of exactly 1024 UTF-8 bytes is accepted, in 1-, 2-, 3- and 4-byte characters',
      async run(sut) {
        const keys = ['k'.repeat(1024), 'é'.repeat(512), '€'.repeat(341) + 'a', '🎉'.repeat(256)];
        for (const key of keys) {
          assert.equal(Buffer.byteLength(key), 1024);
          await put(sut, key, key.length);
          await expectValue(sut, key, key.length, `GET of a 1024-byte key of ${JSON.stringify(key.slice(0, 2))}…`);
        }
      },
    },
    {
      name: 'a key over 1024 UTF-8 bytes is 400, counting bytes, not characters',
      async run(sut) {
        const keys = ['k'.repeat(1025), 'é'.repeat(512) + 'a', '€'.repeat(342), '🎉'.repeat(256) + 'a', 'é'.repeat(1000), 'k'.repeat(100_000)];
        for (const key of keys) {
          const what = `POST with a key of ${key.length} UTF-16 units / ${Buffer.byteLength(key)} bytes (${JSON.stringify(key.slice(0, 2))}…)`;
          expectError(await sut.post({ key, value: 1 }), 400, what);
          if (key.length < 2000) await expectMissing(sut, key, `GET of the rejected key`);
        }
      },
    },
  ],
};
