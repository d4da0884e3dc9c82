import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, GatehouseError } from '../src/index.ts';

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = `${enc({ typ: 'at+jwt', alg: 'ES256', kid: 'k1' })}.${enc({ sub: 'zaphod', name: 'Zaphod Beeblebrøx', exp: 1569283579 })}.sig`;

describe('decodeJwt', () => {
  it('reads claims and header without verifying, UTF-8 included', () => {
    assert.deepEqual(decodeJwt(jwt), { sub: 'zaphod', name: 'Zaphod Beeblebrøx', exp: 1569283579 });
    assert.deepEqual(decodeProtectedHeader(jwt), { typ: 'at+jwt', alg: 'ES256', kid: 'k1' });
  });

  it('refuses what is not a JWS with code invalid_jwt', () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d.e', `${enc({})}.!!!.x`, `${enc({})}.${enc([1])}.x`]) {
      assert.throws(() => decodeJwt(bad), (error: unknown) => error instanceof GatehouseError && error.code === 'invalid_jwt', bad);
    }
  });
});
