// openid-client v6 (OpenID-certified, by panva) against a real Gatehouse, through discovery, on its defaults.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { API, type InteropFixture, PUBLIC_CLIENT, interopFixture, managementStatus } from './fixture.ts';

describe('interop: openid-client v6', () => {
  let f: InteropFixture;
  let confidential: oidc.Configuration;
  let publicClient: oidc.Configuration;
  before(async () => {
    f = await interopFixture();
    // allowInsecureRequests: the test server speaks plain HTTP on 127.0.0.1 (v6 insists on HTTPS otherwise).
    const execute = [oidc.allowInsecureRequests];
    confidential = await oidc.discovery(new URL(f.gh.url), f.bot.client_id, f.bot.client_secret, undefined, { execute });
    publicClient = await oidc.discovery(new URL(f.gh.url), PUBLIC_CLIENT, undefined, undefined, { execute });
  });
  after(() => f.gh.stop());

  test('discovery reads the issuer metadata', () => {
    const m = confidential.serverMetadata();
    assert.equal(m.issuer, f.gh.url);
    assert.equal(m.token_endpoint, `${f.gh.url}/oauth/token`);
    assert.ok(m.id_token_signing_alg_values_supported?.includes('RS256'));
  });

  test('client credentials with a resource (RFC 8707)', async () => {
    const t = await oidc.clientCredentialsGrant(confidential, { resource: API, scope: 'read' });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    assert.equal(t.scope, 'read');
    assert.ok(t.expiresIn()! > 86000);
  });

  test('a person: password login (public client), ID token claims, refresh, userinfo', async () => {
    const login = await oidc.genericGrantRequest(publicClient, 'password', { username: f.user.email, password: f.user.password });
    const idClaims = login.claims();
    assert.ok(idClaims, 'an ID token, validated by the library (iss, aud, exp, iat, RS256)');
    assert.equal(idClaims.aud, PUBLIC_CLIENT);
    const refreshed = await oidc.refreshTokenGrant(publicClient, login.refresh_token!);
    assert.notEqual(refreshed.refresh_token, login.refresh_token);
    assert.equal(refreshed.claims()?.sub, idClaims.sub);
    const info = await oidc.fetchUserInfo(publicClient, refreshed.access_token, idClaims.sub);
    assert.equal(info.email, f.user.email);
    assert.equal(info.name, f.user.name);
  });

  test('a bot: password login as itself, introspection, revocation of the refresh token ends the grant', async () => {
    const login = await oidc.genericGrantRequest(confidential, 'password', { username: f.bot.email, password: f.bot.password });
    const refreshed = await oidc.refreshTokenGrant(confidential, login.refresh_token!);
    const intro = await oidc.tokenIntrospection(confidential, refreshed.access_token);
    assert.equal(intro.active, true);
    assert.equal(intro.token_type, 'Bearer');
    assert.equal(intro.sub, `bot|${f.bot.id}`);
    await oidc.tokenRevocation(confidential, refreshed.refresh_token!);
    assert.equal((await oidc.tokenIntrospection(confidential, refreshed.access_token)).active, false);
    await assert.rejects(oidc.refreshTokenGrant(confidential, refreshed.refresh_token!), (err: any) => err.error === 'invalid_grant');
  });

  test('revoking an access token', async () => {
    const login = await oidc.genericGrantRequest(publicClient, 'password', { username: f.user.email, password: f.user.password });
    assert.equal(await managementStatus(f.gh, login.access_token), 200);
    await oidc.tokenRevocation(publicClient, login.access_token);
    assert.equal(await managementStatus(f.gh, login.access_token), 401);
  });
});
