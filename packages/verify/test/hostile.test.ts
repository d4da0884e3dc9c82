/** The hostile token catalogue of issue 5: each forged or bent token is refused for the right reason. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { assemble, forge, hmacSha256, signingInput } from './support/forge.ts';
import { fakeClock, nowSeconds, refused, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
before(async () => {
  f = await setup();
  await f.verifier.warmUp();
});
after(() => f.close());

const header = (more: Record<string, unknown> = {}): string => JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: f.key.kid, ...more });
const payload = (more: Record<string, unknown> = {}): string => JSON.stringify(f.issuer.claims(more));

describe('alg', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    test(`alg "${alg}" is refused, with or without a signature segment`, async () => {
      await refused(f.verifier.verify(assemble(header({ alg }), payload(), '')), 'token_invalid', 'malformed_token');
      await refused(f.verifier.verify(assemble(header({ alg }), payload(), 'AAAA')), 'token_invalid', 'alg_not_allowed');
      await refused(f.verifier.verify(`${signingInput(header({ alg }), payload())}.`), 'token_invalid');
    });
  }

  test('HS256 signed with the public key (PEM and JWK forms) is refused', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    for (const secret of [pem, JSON.stringify(f.key.publicJwk), JSON.stringify(await exportJWK(publicKey))]) {
      const input = signingInput(header({ alg: 'HS256' }), payload());
      const mac = await hmacSha256(new TextEncoder().encode(secret), input);
      await refused(f.verifier.verify(`${input}.${Buffer.from(mac).toString('base64url')}`), 'token_invalid', 'alg_not_allowed');
    }
  });

  test('an algorithm the key was not published for is refused', async () => {
    const g = await setup({}, { signingAlgs: ['ES256', 'EdDSA'] });
    try {
      const ed = await g.issuer.addKey('EdDSA');
      // Signed by the EdDSA key but naming the ES256 key's kid: one alg per key.
      const token = await forge(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: g.key.kid }), JSON.stringify(g.issuer.claims()), ed);
      await refused(g.verifier.verify(token), 'token_invalid', 'key_alg_mismatch');
    } finally {
      await g.close();
    }
  });
});

describe('keys named by the token itself', () => {
  test('an embedded jwk header is refused even when signed by that key', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(attacker.publicKey)), alg: 'ES256', kid: 'evil' };
    const key = { kid: 'evil', alg: 'ES256' as const, privateKey: attacker.privateKey, publicJwk: jwk };
    for (const kid of ['evil', f.key.kid]) {
      const token = await forge(header({ kid, jwk }), payload(), key);
      await refused(f.verifier.verify(token), 'token_invalid', 'embedded_key_refused');
    }
    const withoutJwk = await forge(header({ kid: 'evil' }), payload(), key);
    await refused(f.verifier.verify(withoutJwk), 'token_invalid', 'kid_unknown');
  });

  test('jku, x5u and x5c are refused and the named host is never contacted', async () => {
    let attackerHits = 0;
    const attackerServer = createServer((_req, res) => {
      attackerHits++;
      res.end('{"keys":[]}');
    }).listen(0, '127.0.0.1');
    await once(attackerServer, 'listening');
    const evil = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}`;
    try {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const key = { kid: 'evil', alg: 'ES256' as const, privateKey: attacker.privateKey, publicJwk: {} };
      const cases = [{ jku: `${evil}/jwks.json` }, { x5u: `${evil}/cert.pem` }, { x5c: ['MIIBszCCAVmgAwIBAgIUY'] }];
      for (const extra of cases) {
        for (const kid of ['evil', f.key.kid]) {
          await refused(f.verifier.verify(await forge(header({ kid, ...extra }), payload(), key)), 'token_invalid', 'embedded_key_refused');
        }
      }
      assert.equal(attackerHits, 0);
    } finally {
      attackerServer.close();
    }
  });
});

describe('typ', () => {
  test('missing, JWT or another type is refused', async () => {
    for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt2', 'application/jwt', '']) {
      const token = await f.issuer.sign({}, { header: { typ } });
      await refused(f.verifier.verify(token), 'token_invalid', 'typ_invalid');
    }
  });

  test('at+jwt and application/at+jwt are accepted, case-insensitively', async () => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/At+Jwt']) {
      const claims = await f.verifier.verify(await f.issuer.sign({}, { header: { typ } }));
      assert.equal(claims.sub, 'user-1');
    }
  });

  test('crit and b64 headers are refused', async () => {
    await refused(f.verifier.verify(await forge(header({ crit: ['exp'] }), payload(), f.key)), 'token_invalid', 'crit_unsupported');
    await refused(f.verifier.verify(await forge(header({ b64: true }), payload(), f.key)), 'token_invalid', 'crit_unsupported');
  });

  test('a missing or empty kid is refused', async () => {
    await refused(f.verifier.verify(await f.issuer.sign({}, { header: { kid: undefined } })), 'token_invalid', 'kid_missing');
    await refused(f.verifier.verify(await f.issuer.sign({}, { header: { kid: '' } })), 'token_invalid', 'kid_missing');
    await refused(f.verifier.verify(await f.issuer.sign({}, { header: { kid: 42 } })), 'token_invalid', 'kid_missing');
  });
});

describe('audience and issuer', () => {
  test('a wrong or substring audience is refused', async () => {
    const bad = ['https://other.example', 'https://api.example.evil', 'https://api.exam', 'https://api.example/', 'HTTPS://API.EXAMPLE',
      ['https://other.example'], [], ['https://api.example', 7], 'https://api.example https://x'];
    for (const aud of bad) {
      await refused(f.verifier.verify(await f.issuer.sign({ aud })), 'token_invalid', 'aud_mismatch');
    }
  });

  test('an audience array containing the audience is accepted', async () => {
    const claims = await f.verifier.verify(await f.issuer.sign({ aud: ['gatehouse', 'https://api.example'] }));
    assert.deepEqual(claims.aud, ['gatehouse', 'https://api.example']);
  });

  test('iss with a trailing slash, or any other spelling, is refused', async () => {
    for (const iss of [`${f.issuer.url}/`, f.issuer.url.toUpperCase(), f.issuer.url.replace('127.0.0.1', 'localhost'), undefined]) {
      await refused(f.verifier.verify(await f.issuer.sign({ iss })), 'token_invalid', 'iss_mismatch');
    }
  });
});

describe('time', () => {
  test('an expired token says exactly "Token expired."', async () => {
    const error = await refused(f.verifier.verify(await f.issuer.sign({ exp: nowSeconds() - 60 })), 'token_expired', 'expired');
    assert.equal(error.message, 'Token expired.');
    assert.equal(error.status, 401);
  });

  test('exp and nbf get the clock tolerance, no more', async () => {
    await f.verifier.verify(await f.issuer.sign({ exp: nowSeconds() - 2 }));
    await f.verifier.verify(await f.issuer.sign({ nbf: nowSeconds() + 2 }));
    await refused(f.verifier.verify(await f.issuer.sign({ nbf: nowSeconds() + 60 })), 'token_invalid', 'not_yet_valid');
    await refused(f.verifier.verify(await f.issuer.sign({ iat: nowSeconds() + 60 })), 'token_invalid', 'issued_in_future');
  });

  test('a token verified and cached stops verifying at exp', async () => {
    const clock = fakeClock();
    const v = f.verifierWith({ now: clock.now, clockTolerance: 0 });
    const token = await f.issuer.sign({ exp: Math.floor(clock.now() / 1000) + 10 });
    await v.verify(token);
    await v.verify(token);
    assert.equal(v.stats().cacheHits, 1);
    clock.advance(11_000);
    await refused(v.verify(token), 'token_expired');
  });

  test('required claims must be present and well typed', async () => {
    const cases = [{ exp: undefined }, { exp: '9999999999' }, { iat: undefined }, { sub: undefined }, { sub: '' },
      { jti: undefined }, { client_id: undefined }, { scope: ['a'] }, { nbf: 'soon' }];
    for (const claims of cases) {
      await refused(f.verifier.verify(await f.issuer.sign(claims)), 'token_invalid', 'claims_invalid');
    }
  });
});
