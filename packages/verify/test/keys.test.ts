/** Where keys come from: discovery, the JWKS, its refetch cooldown, rotation, and the alg allow-list. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createVerifier, IssuerUnavailableError } from '../src/index.ts';
import { AUDIENCE } from './support/issuer.ts';
import { fakeClock, refused, setup } from './support/setup.ts';

const JWKS = '/.well-known/jwks.json';
const OIDC = '/.well-known/openid-configuration';
const OAUTH = '/.well-known/oauth-authorization-server';

describe('discovery', () => {
  test('uses openid-configuration, then jwks_uri', async () => {
    const f = await setup();
    try {
      await f.verifier.verify(await f.issuer.sign());
      assert.equal(f.issuer.hits(OIDC), 1);
      assert.equal(f.issuer.hits(OAUTH), 0);
      assert.equal(f.issuer.hits(JWKS), 1);
    } finally {
      await f.close();
    }
  });

  test('falls back to oauth-authorization-server', async () => {
    const f = await setup({}, { oidcDiscovery: false });
    try {
      await f.verifier.verify(await f.issuer.sign());
      assert.equal(f.issuer.hits(OAUTH), 1);
    } finally {
      await f.close();
    }
  });

  test('no metadata, or metadata for another issuer: IssuerUnavailableError (503), not a token error', async () => {
    const f = await setup({}, { oidcDiscovery: false, oauthDiscovery: false });
    try {
      const token = await f.issuer.sign();
      await assert.rejects(f.verifier.verify(token), (e: unknown) => e instanceof IssuerUnavailableError && e.status === 503);
      const other = createVerifier({ issuer: `${f.issuer.url}/tenant`, audience: AUDIENCE });
      await assert.rejects(other.verify(token), IssuerUnavailableError);
    } finally {
      await f.close();
    }
  });

  test('a failed discovery is not retried on every request', async () => {
    const f = await setup({}, { oidcDiscovery: false, oauthDiscovery: false });
    try {
      const token = await f.issuer.sign();
      for (let i = 0; i < 20; i++) await assert.rejects(f.verifier.verify(token), IssuerUnavailableError);
      assert.equal(f.issuer.hits(OIDC), 1);
    } finally {
      await f.close();
    }
  });
});

describe('JWKS refetch cooldown', () => {
  test('a flood of unknown kids costs at most one JWKS fetch per cooldown', async () => {
    const clock = fakeClock();
    const f = await setup({ now: clock.now });
    try {
      await f.verifier.verify(await f.issuer.sign());
      assert.equal(f.issuer.hits(JWKS), 1);
      const flood = async (n: number): Promise<void> => {
        const tokens = await Promise.all(Array.from({ length: n }, () => f.issuer.sign({}, { header: { kid: randomUUID() } })));
        await Promise.all(tokens.map((t) => refused(f.verifier.verify(t), 'token_invalid', 'kid_unknown')));
      };
      await flood(300);
      assert.equal(f.issuer.hits(JWKS), 1, 'within the cooldown of the first fetch: no refetch');
      clock.advance(30_000);
      await flood(300);
      assert.equal(f.issuer.hits(JWKS), 2, 'one refetch for the whole flood after the cooldown');
      await flood(300);
      assert.equal(f.issuer.hits(JWKS), 2);
      assert.equal(f.verifier.stats().jwksFetches, 2);
    } finally {
      await f.close();
    }
  });

  test('a key published after our fetch is picked up on its first token (after the cooldown)', async () => {
    const clock = fakeClock();
    const f = await setup({ now: clock.now });
    try {
      await f.verifier.verify(await f.issuer.sign());
      const next = await f.issuer.addKey('ES256');
      const token = await f.issuer.sign({}, { key: next });
      await refused(f.verifier.verify(token), 'token_invalid', 'kid_unknown');
      clock.advance(30_001);
      assert.equal((await f.verifier.verify(token)).sub, 'user-1');
    } finally {
      await f.close();
    }
  });
});

describe('key rotation', () => {
  test('old tokens verify while their key is published and fail after it is retired', async () => {
    const clock = fakeClock();
    const f = await setup({ now: clock.now, jwks: { cooldownMs: 1000, maxAgeMs: 60_000 } });
    try {
      const old = f.key;
      const oldToken = await f.issuer.sign();
      f.issuer.publish([old]);
      assert.equal((await f.verifier.verify(oldToken)).sub, 'user-1');

      // Overlap: the next key is published beside the old one and starts signing.
      const next = await f.issuer.addKey('ES256');
      f.issuer.publish([old, next]);
      clock.advance(1000);
      const newToken = await f.issuer.sign({}, { key: next });
      assert.equal((await f.verifier.verify(newToken)).sub, 'user-1');
      assert.equal((await f.verifier.verify(oldToken)).sub, 'user-1');
      const uncached = f.verifierWith({ now: clock.now, cache: false });
      assert.equal((await uncached.verify(oldToken)).sub, 'user-1');

      // Retirement: the old key leaves the JWKS; once our copy of the keys is refreshed, its tokens fail,
      // including the one sitting in the claims cache.
      f.issuer.publish([next]);
      clock.advance(60_000);
      await refused(f.verifier.verify(oldToken), 'token_invalid', 'kid_unknown');
      await refused(uncached.verify(oldToken), 'token_invalid', 'kid_unknown');
      assert.equal((await f.verifier.verify(newToken)).sub, 'user-1');
    } finally {
      await f.close();
    }
  });

  test('an unreachable JWKS at refresh time keeps the keys we have', async () => {
    const clock = fakeClock();
    const f = await setup({ now: clock.now, cache: false, jwks: { maxAgeMs: 1000, cooldownMs: 1000 } });
    try {
      const token = await f.issuer.sign();
      await f.verifier.verify(token);
      f.issuer.setJwks('not a key set');
      clock.advance(2000);
      assert.equal((await f.verifier.verify(token)).sub, 'user-1');
    } finally {
      await f.close();
    }
  });
});

describe('what the JWKS may contain', () => {
  test('keys without alg, private, symmetric, for encryption or sharing a kid are ignored', async () => {
    const f = await setup({ cache: false });
    try {
      const jwk = f.key.publicJwk;
      const token = await f.issuer.sign();
      const variants = [
        { ...jwk, alg: undefined },
        { ...jwk, use: 'enc' },
        { ...jwk, key_ops: ['encrypt'] },
        { ...jwk, d: 'AAAA' },
        { kty: 'oct', k: 'c2VjcmV0', kid: jwk.kid, alg: 'HS256' },
        { ...jwk, alg: 'HS256' },
      ];
      for (const variant of variants) {
        const v = f.verifierWith({ cache: false });
        f.issuer.setJwks({ keys: [variant] });
        await refused(v.verify(token), 'token_invalid', ['kid_unknown']);
      }
      const v = f.verifierWith({ cache: false });
      f.issuer.setJwks({ keys: [jwk, { ...jwk, x: jwk.y }] });
      await refused(v.verify(token), 'token_invalid', 'kid_unknown');

      const ok = f.verifierWith({ cache: false });
      f.issuer.setJwks({ keys: [{ kty: 'EC', crv: 'P-256', x: 'bad', y: 'bad', kid: 'broken', alg: 'ES256' }, 'junk', jwk] });
      assert.equal((await ok.verify(token)).sub, 'user-1');
    } finally {
      await f.close();
    }
  });
});

describe('algorithms', () => {
  for (const alg of ['EdDSA', 'RS256', 'PS256'] as const) {
    test(`${alg} tokens verify when the issuer publishes ${alg}`, async () => {
      const f = await setup({}, { signingAlgs: ['ES256', alg] });
      try {
        const key = await f.issuer.addKey(alg);
        assert.equal((await f.verifier.verify(await f.issuer.sign({}, { key }))).sub, 'user-1');
        const narrowed = f.verifierWith({ algorithms: ['ES256'] });
        await refused(narrowed.verify(await f.issuer.sign({}, { key })), 'token_invalid', 'alg_not_allowed');
      } finally {
        await f.close();
      }
    });
  }

  test('an algorithm missing from the issuer metadata is refused even with a matching key', async () => {
    const f = await setup({}, { signingAlgs: ['ES256'] });
    try {
      const key = await f.issuer.addKey('EdDSA');
      await refused(f.verifier.verify(await f.issuer.sign({}, { key })), 'token_invalid', 'alg_not_allowed');
    } finally {
      await f.close();
    }
  });

  test('an algorithm the issuer starts using later is picked up with its key (metadata reread on JWKS refetch)', async () => {
    const clock = fakeClock();
    const f = await setup({ now: clock.now }, { signingAlgs: ['ES256'] });
    try {
      await f.verifier.verify(await f.issuer.sign());
      f.issuer.config.signingAlgs = ['ES256', 'EdDSA'];
      const ed = await f.issuer.addKey('EdDSA');
      const token = await f.issuer.sign({}, { key: ed });
      clock.advance(30_000);
      assert.equal((await f.verifier.verify(token)).sub, 'user-1');
      assert.equal(f.issuer.hits(OIDC), 2);
    } finally {
      await f.close();
    }
  });

  test('none and HS* cannot be configured', () => {
    for (const algorithms of [['none'], ['HS256'], ['ES256', 'HS512'], ['es256']]) {
      assert.throws(() => createVerifier({ issuer: 'http://127.0.0.1:1', audience: AUDIENCE, algorithms }), TypeError);
    }
    assert.throws(() => createVerifier({ issuer: 'ftp://x', audience: AUDIENCE }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'http://x', audience: '' }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'http://x', audience: AUDIENCE, requiredScopes: ['a b'] }), TypeError);
  });
});
