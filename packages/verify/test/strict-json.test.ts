import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateMemberError, parseStrictJson } from '../src/strict-json.ts';

test('parses ordinary JSON like JSON.parse', () => {
  for (const text of ['{}', '[]', '"x"', '1', '{"a":[1,{"b":"}{,\\""}],"c":{"a":1}}', '{"a":"\\u0062","b":1}']) {
    assert.deepEqual(parseStrictJson(text), JSON.parse(text));
  }
});

test('refuses duplicate members, escaped or nested', () => {
  for (const text of ['{"a":1,"a":2}', '{"a":1,"\\u0061":2}', '{"x":{"a":1,"b":[],"a":2}}', '[{"a":1,"a":1}]', '{"a":{},"b":{},"a":{}}']) {
    assert.throws(() => parseStrictJson(text), DuplicateMemberError, text);
  }
});

test('strings that look like keys are not keys', () => {
  assert.deepEqual(parseStrictJson('{"a":"a","b":["a","a"],"c":"\\",\\"a\\":"}'), { a: 'a', b: ['a', 'a'], c: '","a":' });
});

test('invalid JSON is a SyntaxError', () => {
  assert.throws(() => parseStrictJson('{"a":1,}'), SyntaxError);
});
