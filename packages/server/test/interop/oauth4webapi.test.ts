// oauth4webapi (panva's low-level OAuth 2 / OIDC client, the core of openid-client v6) against a real Gatehouse,
// through discovery, on its defaults; it also verifies RFC 9068 access tokens through JWKS (validateJwtAccessToken).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { API, type InteropFixture, PUBLIC_CLIENT, interopFixture } from './fixture.ts';

// allowInsecureRequests: the test server speaks plain HTTP on 127.0.0.1 (oauth4webapi insists on HTTPS otherwise).
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('interop: oauth4webapi', () => {
  let f: InteropFixture;
  let as: oauth.AuthorizationServer;
  let bot: oauth.Client;
  let botAuth: oauth.ClientAuth;
  const publicClient: oauth.Client = { client_id: PUBLIC_CLIENT };
  before(async () => {
    f = await interopFixture();
    const issuer = new URL(f.gh.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    bot = { client_id: f.bot.client_id };
    botAuth = oauth.ClientSecretBasic(f.bot.client_secret);
  });
  after(() => f.gh.stop());

  const bearer = (token: string) => new Request('http://resource.example/', { headers: { authorization: `Bearer ${token}` } });

  test('client credentials with a resource, and the access token validated as RFC 9068 through JWKS', async () => {
    const res = await oauth.clientCredentialsGrantRequest(as, bot, botAuth, new URLSearchParams({ resource: API, scope: 'read' }), insecure);
    const t = await oauth.processClientCredentialsResponse(as, bot, res);
    assert.equal(t.token_type, 'bearer');
    const claims = await oauth.validateJwtAccessToken(as, bearer(t.access_token), API, insecure);
    assert.equal(claims.sub, `bot|${f.bot.id}`);
    assert.equal(claims.scope, 'read');
  });

  test('a person: password login (public client), ID token claims, refresh, userinfo', async () => {
    const login = await oauth.processGenericTokenEndpointResponse(
      as,
      publicClient,
      await oauth.genericTokenEndpointRequest(as, publicClient, oauth.None(), 'password', new URLSearchParams({ username: f.user.email, password: f.user.password }), insecure),
    );
    const id = oauth.getValidatedIdTokenClaims(login)!;
    assert.equal(id.aud, PUBLIC_CLIENT);
    const refreshed = await oauth.processRefreshTokenResponse(as, publicClient, await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), login.refresh_token!, insecure));
    assert.equal(oauth.getValidatedIdTokenClaims(refreshed)!.sub, id.sub);
    const info = await oauth.processUserInfoResponse(as, publicClient, id.sub, await oauth.userInfoRequest(as, publicClient, refreshed.access_token, insecure));
    assert.equal(info.email, f.user.email);
    const access = await oauth.validateJwtAccessToken(as, bearer(refreshed.access_token), 'gatehouse', insecure);
    assert.equal(access.sub, id.sub);
  });

  test('a bot: introspection, revocation (of the refresh token: the grant ends)', async () => {
    const login = await oauth.processGenericTokenEndpointResponse(
      as,
      bot,
      await oauth.genericTokenEndpointRequest(as, bot, botAuth, 'password', new URLSearchParams({ username: f.bot.email, password: f.bot.password }), insecure),
    );
    const intro = await oauth.processIntrospectionResponse(as, bot, await oauth.introspectionRequest(as, bot, botAuth, login.access_token, insecure));
    assert.equal(intro.active, true);
    assert.equal(intro.token_type, 'Bearer');
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, bot, botAuth, login.refresh_token!, insecure));
    const after = await oauth.processIntrospectionResponse(as, bot, await oauth.introspectionRequest(as, bot, botAuth, login.access_token, insecure));
    assert.equal(after.active, false);
  });
});
