/** Hostile tokens at the byte level: signatures, structure, size, JSON duplicates, Authorization syntax. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { forge, signingInput } from './support/forge.ts';
import { refused, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
before(async () => {
  f = await setup();
  await f.verifier.warmUp();
});
after(() => f.close());

const header = (more: Record<string, unknown> = {}): string => JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: f.key.kid, ...more });
const payload = (more: Record<string, unknown> = {}): string => JSON.stringify(f.issuer.claims(more));

describe('signature', () => {
  test('an ECDSA signature of zeros is refused', async () => {
    const input = signingInput(header(), payload());
    for (const bytes of [64, 0, 1, 63, 65, 72]) {
      const token = `${input}.${Buffer.alloc(bytes).toString('base64url')}`;
      await refused(f.verifier.verify(token), 'token_invalid', bytes === 0 ? 'malformed_token' : 'signature_invalid');
    }
  });

  test('every single-bit flip anywhere in the token is refused', async () => {
    const token = await f.issuer.sign();
    const segments = token.split('.').map((s) => Buffer.from(s, 'base64url'));
    let flips = 0;
    for (const [index, segment] of segments.entries()) {
      for (let byte = 0; byte < segment.length; byte++) {
        const bit = (byte * 7 + index) % 8; // a different bit per byte, every byte covered
        const bent = segments.map((s) => Buffer.from(s));
        (bent[index] as Buffer)[byte] = (segment[byte] as number) ^ (1 << bit);
        await refused(f.verifier.verify(bent.map((s) => s.toString('base64url')).join('.')), 'token_invalid');
        flips++;
      }
    }
    assert.ok(flips > 200);
    assert.equal((await f.verifier.verify(token)).sub, 'user-1'); // the original still passes
  });

  test('a non-canonical base64url spelling of the same signature is refused', async () => {
    const token = await f.issuer.sign();
    const last = token.at(-1) as string;
    // 64-byte signature: 86 chars, the last one carries 4 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    assert.deepEqual(Buffer.from(`${token.slice(0, -1)}${sibling}`.split('.')[2] as string, 'base64url'), Buffer.from(token.split('.')[2] as string, 'base64url'));
    await refused(f.verifier.verify(`${token.slice(0, -1)}${sibling}`), 'token_invalid', 'malformed_token');
  });
});

describe('structure', () => {
  test('extra, missing or empty segments are refused', async () => {
    const token = await f.issuer.sign();
    const [h, p, s] = token.split('.');
    for (const bent of [`${token}.`, `${token}.AAAA`, `${token}.AAAA.BBBB`, `${h}.${p}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${p}.${s}.`,
      `${token} `, ` ${token}`, token.replace('.', '..'), `${h}.${p}.${s}=`, `${h}+.${p}.${s}`]) {
      await refused(f.verifier.verify(bent), 'token_invalid', ['malformed_token', 'malformed_authorization']);
    }
  });

  test('segments that are not JSON objects are refused', async () => {
    for (const [h, p] of [['[]', payload()], ['"x"', payload()], [header(), 'null'], [header(), '[1]'], [header(), '{'], ['\ufeff' + header(), payload()]]) {
      await refused(f.verifier.verify(await forge(h as string, p as string, f.key)), 'token_invalid', 'malformed_token');
    }
    const badUtf8 = `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${Buffer.from(payload()).toString('base64url')}.AAAA`;
    await refused(f.verifier.verify(badUtf8), 'token_invalid', 'malformed_token');
  });

  test('oversize tokens are refused before any parsing, whatever their content', async () => {
    const fresh = f.verifierWith({});
    const jwksBefore = f.issuer.hits('/.well-known/jwks.json');
    await refused(fresh.verify('a'.repeat(8193)), 'token_invalid', 'token_too_large');
    await refused(fresh.verify(`Bearer ${'a'.repeat(8193)}`), 'token_invalid', 'token_too_large');
    await refused(fresh.verify(`Bearer ${'a'.repeat(10_000_000)}`), 'token_invalid', 'token_too_large');
    assert.equal(f.issuer.hits('/.well-known/jwks.json'), jwksBefore);

    const big = await f.issuer.sign({ padding: 'x'.repeat(8000) });
    assert.ok(big.length > 8192);
    await refused(f.verifier.verify(big), 'token_invalid', 'token_too_large');
    assert.equal((await f.verifierWith({ maxTokenBytes: 16_384 }).verify(big)).sub, 'user-1');
  });
});

describe('duplicate JSON members', () => {
  const kid = (): string => JSON.stringify(f.key.kid);
  test('in the header, including escaped spellings of the same name', async () => {
    for (const h of [
      `{"alg":"ES256","typ":"at+jwt","kid":${kid()},"alg":"ES256"}`,
      `{"alg":"ES256","typ":"at+jwt","kid":${kid()},"typ":"JWT"}`,
      `{"alg":"ES256","typ":"at+jwt","kid":${kid()},"\\u006bid":"other"}`,
    ]) {
      await refused(f.verifier.verify(await forge(h, payload(), f.key)), 'token_invalid', 'duplicate_member');
    }
  });

  test('in the claims, at the top level or nested', async () => {
    const base = payload().slice(0, -1);
    for (const p of [`${base},"sub":"admin"}`, `${base},"aud":"https://other"}`, `${base},"\\u0073ub":"admin"}`,
      `${base},"ctx":{"a":1,"a":2}}`, `${base},"list":[{"a":1},{"b":{"c":1,"c":1}}]}`]) {
      await refused(f.verifier.verify(await forge(header(), p, f.key)), 'token_invalid', 'duplicate_member');
    }
  });

  test('the same names in different objects are fine', async () => {
    const base = payload().slice(0, -1);
    const token = await forge(header(), `${base},"ctx":{"sub":"x","a":{"sub":"y"}},"list":[{"a":1},{"a":1}],"s":"\\"sub\\":"}`, f.key);
    assert.equal((await f.verifier.verify(token)).sub, 'user-1');
  });
});

describe('Authorization header', () => {
  test('Bearer scheme (any case) or a raw token are accepted', async () => {
    const token = await f.issuer.sign();
    for (const input of [token, `Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`]) {
      assert.equal((await f.verifier.verify(input)).sub, 'user-1');
    }
  });

  test('other schemes, extra words or nothing are refused', async () => {
    const token = await f.issuer.sign();
    for (const input of [`Basic ${token}`, `Bearer ${token} x`, `Bearer`, 'Bearer ', `Token ${token}`, `Bearer\t${token}`]) {
      await refused(f.verifier.verify(input), 'token_invalid', ['malformed_authorization', 'malformed_token']);
    }
    for (const input of [undefined, null, '']) {
      await refused(f.verifier.verify(input), 'token_invalid', 'token_missing');
    }
  });

  test('kids are opaque strings', async () => {
    const g = await setup();
    try {
      const odd = await g.issuer.addKey('ES256', '../../__proto__?x=1#');
      const proto = await g.issuer.addKey('ES256', '__proto__');
      for (const key of [odd, proto]) assert.equal((await g.verifier.verify(await g.issuer.sign({}, { key }))).sub, 'user-1');
      for (const kid of ['constructor', 'toString', '__proto__ ', g.key.kid.toUpperCase()]) {
        await refused(g.verifier.verify(await g.issuer.sign({}, { header: { kid } })), 'token_invalid', 'kid_unknown');
      }
    } finally {
      await g.close();
    }
  });
});
