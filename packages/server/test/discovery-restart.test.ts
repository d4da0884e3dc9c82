// Discovery and JWKS content; restart with the same data dir keeps tokens verifiable and refreshable;
// SIGTERM exits 0; health and readiness.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

describe('discovery, JWKS and restart', () => {
  test('discovery documents and JWKS', async () => {
    const gh = await startGatehouse();
    try {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const d = await (await fetch(gh.url + path)).json();
        assert.equal(d.issuer, gh.url);
        assert.equal(d.jwks_uri, `${gh.url}/.well-known/jwks.json`);
        assert.equal(d.token_endpoint, `${gh.url}/oauth/token`);
        assert.equal(d.introspection_endpoint, `${gh.url}/oauth/introspect`);
        assert.equal(d.revocation_endpoint, `${gh.url}/oauth/revoke`);
        assert.equal(d.userinfo_endpoint, `${gh.url}/oauth/userinfo`);
        assert.deepEqual(d.grant_types_supported, ['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange']);
        assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
        assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_post'));
        assert.deepEqual(d.id_token_signing_alg_values_supported, ['RS256', 'ES256'], 'OIDC Discovery §3: RS256 for ID tokens');
      }
      const res = await fetch(`${gh.url}/.well-known/jwks.json`);
      assert.match(res.headers.get('content-type') ?? '', /json/);
      const jwks = await res.json();
      assert.equal(jwks.keys.length, 4, 'the active key and the next one, for ES256 (access tokens) and RS256 (ID tokens)');
      for (const k of jwks.keys) {
        assert.ok(['ES256', 'RS256'].includes(k.alg));
        assert.equal(k.use, 'sig');
        assert.equal(k.kty, k.alg === 'ES256' ? 'EC' : 'RSA');
        assert.ok(k.kid);
        assert.equal(k.d, undefined, 'no private part');
      }
      assert.deepEqual(await (await fetch(`${gh.url}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${gh.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal((await ready.json()).status, 'ready');
    } finally {
      assert.equal(await gh.stop(), 0, 'SIGTERM drains and exits 0');
    }
  });

  test('an API can sign with EdDSA, RS256 or PS256', async () => {
    const gh = await startGatehouse();
    try {
      const bot = await gh.createBot();
      for (const alg of ['EdDSA', 'RS256', 'PS256']) {
        const api = await gh.createApi({ identifier: `https://${alg.toLowerCase()}.example`, signing_alg: alg });
        await gh.grant(api.id, bot.id, []);
        const r = await gh.token({ grant_type: 'client_credentials', audience: `https://${alg.toLowerCase()}.example` }, { basic: [bot.client_id, bot.client_secret] });
        assert.equal(r.status, 200);
        assert.equal(decode(r.body.access_token).header.alg, alg);
        const jwks = createRemoteJWKSet(new URL(`${gh.url}/.well-known/jwks.json`));
        await jwtVerify(r.body.access_token, jwks, { issuer: gh.url, algorithms: [alg] });
      }
    } finally {
      await gh.stop();
    }
  });

  test('restart with the same data dir: old tokens still verify, refresh tokens still work', async () => {
    const first = await startGatehouse({ store: 'sqlite' }); // restarts on the same data dir: the embedded store
    const bot = await first.createBot({ name: 'survivor' });
    const login = await first.token({ grant_type: 'password', username: bot.email, password: bot.password });
    const jwksBefore = await (await fetch(`${first.url}/.well-known/jwks.json`)).json();
    assert.equal(await first.stop(), 0);

    const second = await startGatehouse({ dataDir: first.dataDir, env: { GATEHOUSE_ADMIN_PASSWORD: 'ignored-on-restart' } });
    try {
      const jwksAfter = await (await fetch(`${second.url}/.well-known/jwks.json`)).json();
      assert.deepEqual(jwksAfter.keys.map((k: any) => k.kid).sort(), jwksBefore.keys.map((k: any) => k.kid).sort());
      const jwks = createRemoteJWKSet(new URL(`${second.url}/.well-known/jwks.json`));
      // The issuer differs (new port), so check signature and claims against the old issuer.
      await jwtVerify(login.body.access_token, jwks, { issuer: first.url });
      const r = await second.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
      assert.equal(r.status, 200);
      assert.match(second.logs(), /ready/);
      assert.doesNotMatch(second.logs(), /Created the admin user/, 'the admin is created only on the first start');
      // Issue 17 (README tour): variables that cannot apply say so, and how to make them apply, without echoing them.
      assert.match(second.logs(), /GATEHOUSE_ADMIN_EMAIL\/GATEHOUSE_ADMIN_PASSWORD are set but not applied: .* already has an admin/);
      assert.match(second.logs(), /--data-dir/);
      assert.doesNotMatch(second.logs(), /ignored-on-restart/);
    } finally {
      await second.stop();
    }
  });

  test('a bad flag or a bad variable fails clearly with a non-zero exit', async () => {
    await assert.rejects(startGatehouse({ env: { GATEHOUSE_SIGNING_ALG: 'HS256' } }).then((g) => g.stop()), /exited with 2[\s\S]*GATEHOUSE_SIGNING_ALG must be one of ES256/);
    await assert.rejects(startGatehouse({ env: { GATEHOUSE_KEY_ROTATION_DAYS: 'eighty' } }).then((g) => g.stop()), /GATEHOUSE_KEY_ROTATION_DAYS must be a whole number/);
  });
});
