// openid-client v5 (still the most installed version) against a real Gatehouse, through discovery, on its defaults:
// it verifies every ID token's signature through JWKS, expecting RS256 unless told otherwise (OIDC Core §15.1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BaseClient, Issuer, errors } from 'openid-client-v5';
import { API, type InteropFixture, PUBLIC_CLIENT, interopFixture, managementStatus } from './fixture.ts';

describe('interop: openid-client v5', () => {
  let f: InteropFixture;
  let confidential: BaseClient;
  let publicClient: BaseClient;
  before(async () => {
    f = await interopFixture();
    const issuer = await Issuer.discover(f.gh.url);
    confidential = new issuer.Client({ client_id: f.bot.client_id, client_secret: f.bot.client_secret });
    // token_endpoint_auth_method none: the client's registration says it is public (v5 assumes a secret otherwise).
    publicClient = new issuer.Client({ client_id: PUBLIC_CLIENT, token_endpoint_auth_method: 'none' });
  });
  after(() => f.gh.stop());

  test('discovery', () => {
    assert.equal(confidential.issuer.metadata.issuer, f.gh.url);
  });

  test('client credentials with a resource (RFC 8707)', async () => {
    const t = await confidential.grant({ grant_type: 'client_credentials', resource: API, scope: 'read' });
    assert.equal(t.token_type?.toLowerCase(), 'bearer');
    assert.equal(t.scope, 'read');
  });

  test('a person: password login with a verified RS256 ID token, refresh, userinfo', async () => {
    const login = await publicClient.grant({ grant_type: 'password', username: f.user.email, password: f.user.password });
    const claims = login.claims();
    assert.equal(claims.aud, PUBLIC_CLIENT);
    assert.equal(claims.email, f.user.email);
    const refreshed = await publicClient.refresh(login);
    assert.equal(refreshed.claims().sub, claims.sub);
    const info = await publicClient.userinfo(refreshed);
    assert.equal(info.sub, claims.sub);
    assert.equal(info.name, f.user.name);
  });

  test('a bot: password login, introspection, revocation of the refresh token ends the grant', async () => {
    const login = await confidential.grant({ grant_type: 'password', username: f.bot.email, password: f.bot.password });
    assert.equal(login.claims().sub, `bot|${f.bot.id}`);
    const intro = await confidential.introspect(login.access_token!);
    assert.equal(intro.active, true);
    assert.equal(intro.token_type, 'Bearer');
    await confidential.revoke(login.refresh_token!, 'refresh_token');
    assert.equal((await confidential.introspect(login.access_token!)).active, false);
    await assert.rejects(confidential.refresh(login.refresh_token!), (err: unknown) => err instanceof errors.OPError && (err as errors.OPError).error === 'invalid_grant');
  });

  test('revoking an access token', async () => {
    const login = await publicClient.grant({ grant_type: 'password', username: f.user.email, password: f.user.password });
    await publicClient.revoke(login.access_token!);
    assert.equal(await managementStatus(f.gh, login.access_token!), 401);
  });
});
