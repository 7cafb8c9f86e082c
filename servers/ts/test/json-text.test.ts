import { describe, expect, it } from 'vitest';
import { compact, members, memberText } from '../src/json-text.js';

describe('members', () => {
  it('finds each top-level member and its value span, whatever the spacing, nested values skipped whole', () => {
    const json = ' { "key" : "k" ,\n"value":\t{"key": [1, "}"]} , "ttl":1.5 } ';
    expect(members(json).map((m) => [m.name, json.slice(m.start, m.end)])).toEqual([
      ['key', '"k"'],
      ['value', '{"key": [1, "}"]}'],
      ['ttl', '1.5'],
    ]);
  });

  it('decodes a name spelled with escapes, and an empty object has none', () => {
    expect(members('{"v\\u0061lue":1,"a\\"b":2}').map((m) => m.name)).toEqual(['value', 'a"b']);
    expect(members('{ }')).toEqual([]);
  });
});

describe('memberText', () => {
  it('is the value as sent, compacted: number spellings and escapes kept', () => {
    const body = '{"key":"k","value": { "n" : 1.0, "e": 1E+2, "s": "\\u0041 b\\"c", "a": [ 1 , -0 ] }}';
    expect(memberText(body, 'value')).toBe('{"n":1.0,"e":1E+2,"s":"\\u0041 b\\"c","a":[1,-0]}');
  });

  it('takes the last of two equal names, as JSON.parse does, and undefined for a missing one', () => {
    expect(memberText('{"value":1,"value":[2]}', 'value')).toBe('[2]');
    expect(memberText('{"key":"k"}', 'value')).toBeUndefined();
  });

  it('reads scalars at the end of the object and strings holding brackets', () => {
    expect(memberText('{"value":12345678901234567890}', 'value')).toBe('12345678901234567890');
    expect(memberText('{"value":"] } ,"}', 'value')).toBe('"] } ,"');
  });
});

describe('compact', () => {
  it('returns the same string when there is nothing to remove', () => {
    const text = '{"a":[1,"x y"]}';
    expect(compact(text)).toBe(text);
  });

  it('removes every run of whitespace outside strings, at either end too', () => {
    expect(compact(' \r\n[ 1 ,\t"a  b" ,{ } ]\n')).toBe('[1,"a  b",{}]');
  });
});
