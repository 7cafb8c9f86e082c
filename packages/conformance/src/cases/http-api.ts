import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { expectCreated, expectError, expectJsonBody, expectMissing, expectStatus, expectValue, put, show } from '../check.js';

const MIB = 1024 * 1024;

/** A POST /kv body of exactly `bytes` bytes: a string value padded to size. */
export function bodyOfSize(key: string, bytes: number): string {
  const shell = JSON.stringify({ key, value: '' });
  const padding = bytes - Buffer.byteLength(shell);
  if (padding < 0) throw new Error(`a body for ${key} cannot be as small as ${bytes} bytes`);
  return JSON.stringify({ key, value: 'x'.repeat(padding) });
}

/** The rows of the spec's HTTP table, status by status, with the exact body shapes. */
export const httpApi: CaseGroup = {
  name: 'HTTP API',
  shared: {},
  cases: [
    {
      name: 'POST /kv answers 201 with an empty body, and GET /kv/{key} answers 200 {"value": V} as JSON',
      async run(sut) {
        expectCreated(await sut.post({ key: 'api-basic', value: { n: 1 } }), 'POST /kv');
        await expectValue(sut, 'api-basic', { n: 1 });
      },
    },
    {
      name: 'a second POST of a key replaces its value',
      async run(sut) {
        await put(sut, 'api-replace', 'first');
        await put(sut, 'api-replace', ['second']);
        await expectValue(sut, 'api-replace', ['second']);
      },
    },
    {
      name: 'GET of a key never written is 404 with a JSON error',
      async run(sut) {
        await expectMissing(sut, 'api-never-written');
      },
    },
    {
      name: 'DELETE answers 204 with an empty body and the key is gone',
      async run(sut) {
        await put(sut, 'api-delete', 1);
        const res = await sut.delete('api-delete');
        expectStatus(res, 204, 'DELETE of an existing key');
        assert.equal(res.body.length, 0, `DELETE: expected an empty 204 body, got ${show(res)}`);
        await expectMissing(sut, 'api-delete', 'GET after DELETE');
      },
    },
    {
      name: 'DELETE of a key that does not exist answers 204 too',
      async run(sut) {
        expectStatus(await sut.delete('api-delete-never-written'), 204, 'DELETE of a missing key');
        await put(sut, 'api-delete-twice', 1);
        expectStatus(await sut.delete('api-delete-twice'), 204, 'first DELETE');
        expectStatus(await sut.delete('api-delete-twice'), 204, 'second DELETE of the same key');
      },
    },
    {
      name: 'GET /healthz answers 200 {"status":"ok"} as JSON',
      async run(sut) {
        const res = await sut.request('GET', '/healthz');
        expectStatus(res, 200, 'GET /healthz');
        assert.deepStrictEqual(expectJsonBody(res, 'GET /healthz'), { status: 'ok' }, `GET /healthz: ${show(res)}`);
      },
    },
    {
      name: 'an unknown path is 404 with a JSON error',
      async run(sut) {
        const paths: [string, string][] = [
          ['GET', '/'],
          ['GET', '/nope'],
          ['GET', '/kvx'],
          ['GET', '/kv/a/b'],
          ['GET', '/healthz/more'],
          ['GET', '/stats/0'],
          ['POST', '/nope'],
          ['DELETE', '/nope/x'],
        ];
        for (const [method, path] of paths) expectError(await sut.request(method, path), 404, `${method} ${path}`);
      },
    },
    {
      name: 'a known path with a method it does not serve is 405 with a JSON error',
      async run(sut) {
        const requests: [string, string][] = [
          ['GET', '/kv'],
          ['PUT', '/kv'],
          ['DELETE', '/kv'],
          ['PATCH', '/kv'],
          ['POST', '/kv/some-key'],
          ['PUT', '/kv/some-key'],
          ['PATCH', '/kv/some-key'],
          ['POST', '/healthz'],
          ['DELETE', '/healthz'],
          ['POST', '/stats'],
          ['PUT', '/stats'],
        ];
        for (const [method, path] of requests) expectError(await sut.request(method, path), 405, `${method} ${path}`);
      },
    },
    {
      name: 'a body that is not valid JSON is 400 with a JSON error',
      async run(sut) {
        const bodies = [
          '{',
          '{"key": "bad-json", "value": 1,}',
          "{'key': 'bad-json', 'value': 1}",
          '{"key": "bad-json", "value": undefined}',
          '{"key": "bad-json", "value": NaN}',
          '{"key": "bad-json", "value": 01}',
          '{"key": "bad-json", "value": 1} trailing',
          '{"key": "bad-json", "value": 1}{"key": "bad-json-2", "value": 2}',
          '',
          ' ',
        ];
        for (const body of bodies) expectError(await sut.post(body), 400, `POST /kv ${JSON.stringify(body)}`);
        await expectMissing(sut, 'bad-json', 'GET of a key only ever sent in bad JSON');
        await expectMissing(sut, 'bad-json-2', 'GET of the second of two concatenated documents');
      },
    },
    {
      name: 'a JSON body that is not an object (array, number, string, null, boolean) is 400',
      async run(sut) {
        for (const body of ['[]', '[{"key": "top-array", "value": 1}]', '1', '"top-string"', 'null', 'true']) {
          expectError(await sut.post(body), 400, `POST /kv ${body}`);
        }
      },
    },
    {
      name: 'whitespace around the JSON body is fine',
      async run(sut) {
        expectCreated(await sut.post(' \n\t{"key": "api-whitespace", "value": 5}\r\n '), 'POST /kv with surrounding whitespace');
        await expectValue(sut, 'api-whitespace', 5);
      },
    },
    {
      name: 'a missing value is 400, and value null is a value',
      async run(sut) {
        expectError(await sut.post({ key: 'api-no-value' }), 400, 'POST without value');
        expectError(await sut.post({}), 400, 'POST {}');
        await expectMissing(sut, 'api-no-value');
        await put(sut, 'api-null-value', null);
        await expectValue(sut, 'api-null-value', null);
      },
    },
    {
      name: 'an unknown field is 400 (field names are case-sensitive)',
      async run(sut) {
        expectError(await sut.post({ key: 'api-unknown', value: 1, extra: 2 }), 400, 'POST with field "extra"');
        expectError(await sut.post({ key: 'api-unknown', value: 1, TTL: 5 }), 400, 'POST with field "TTL"');
        expectError(await sut.post({ key: 'api-unknown', Value: 1 }), 400, 'POST with field "Value"');
        expectError(await sut.post({ key: 'api-unknown', value: 1, '': 0 }), 400, 'POST with an empty field name');
        await expectMissing(sut, 'api-unknown');
      },
    },
    {
      name: 'a body of exactly 1 MiB is accepted and read back whole',
      async run(sut) {
        const body = bodyOfSize('api-one-mib', MIB);
        expectCreated(await sut.post(body), 'POST /kv with a 1 MiB body');
        await expectValue(sut, 'api-one-mib', JSON.parse(body).value, 'GET of the 1 MiB value');
      },
    },
    {
      name: 'a body over 1 MiB is 413 with a JSON error',
      async run(sut) {
        expectError(await sut.post(bodyOfSize('api-too-big', MIB + 1)), 413, 'POST /kv with 1 MiB + 1 byte');
        expectError(await sut.post(bodyOfSize('api-too-big', 3 * MIB)), 413, 'POST /kv with 3 MiB');
        await expectMissing(sut, 'api-too-big');
      },
    },
    {
      name: 'a missing or non-JSON Content-Type is 415 with a JSON error',
      async run(sut) {
        const body = JSON.stringify({ key: 'api-type', value: 1 });
        expectError(await sut.post(body, { json: false }), 415, 'POST without Content-Type');
        // A media type whose syntax is JSON is another format all the same (docs/kv-spec.md): 415.
        const others = ['application/vnd.api+json', 'application/problem+json', 'application/json-patch+json', 'text/json'];
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data', ...others]) {
          expectError(await sut.post(body, { headers: { 'Content-Type': type } }), 415, `POST with Content-Type ${type}`);
        }
        await expectMissing(sut, 'api-type');
      },
    },
    {
      name: 'Content-Type application/json is accepted with any parameters and in any letter case',
      async run(sut) {
        const types = [
          'application/json; charset=utf-8',
          'application/json;charset=UTF-8',
          'Application/JSON',
          'application/json ; charset',
          'application/json; =broken; x="y"',
        ];
        for (const [i, type] of types.entries()) {
          const key = `api-type-ok-${i}`;
          expectCreated(await sut.post({ key, value: i }, { headers: { 'Content-Type': type } }), `POST with Content-Type ${type}`);
          await expectValue(sut, key, i);
        }
      },
    },
  ],
};
