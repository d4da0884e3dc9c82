// Clients written elsewhere complete the authorization code flow with their default settings (issue 18 "done
// when"): openid-client v6 (buildAuthorizationUrl, authorizationCodeGrant: PKCE, state, nonce, iss checked, the
// ID token validated with RS256 by default) and oauth4webapi (its own PKCE, RFC 9207 iss check, ID token checks).
// The browser part is the cookie-jar agent; allowInsecureRequests only because the test issuer is http.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import * as oauth from 'oauth4webapi';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { Agent } from './agent.ts';

describe('openid-client and oauth4webapi: authorization code + PKCE', () => {
  let gh: Gatehouse;
  const user = { email: 'interop@example.com', password: 'interop password long' };
  let web: any;
  let spa: any;

  before(async () => {
    gh = await startGatehouse();
    await gh.createUser(user);
    const admin = await gh.adminToken();
    const project = await gh.api('POST', '/api/v1/projects', { name: 'interop' }, admin);
    web = await gh.api('POST', `/api/v1/projects/${project.id}/clients`, { name: 'RP', type: 'web', redirect_uris: ['https://rp.example/cb'], post_logout_redirect_uris: ['https://rp.example/'], first_party: true }, admin);
    spa = await gh.api('POST', `/api/v1/projects/${project.id}/clients`, { name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example/cb'], first_party: true }, admin);
  });
  after(() => gh.stop());

  /** The person's part: open the URL, sign in on the page, follow to the redirect URI. */
  async function browse(url: URL): Promise<URL> {
    const agent = new Agent(gh.url);
    const page = await agent.get(url.href);
    assert.equal(page.status, 200, page.text);
    const done = await agent.submit(page, '/login', { email: user.email, password: user.password });
    assert.equal(done.status, 303, done.text);
    return new URL(done.location!);
  }

  test('openid-client: discovery, buildAuthorizationUrl, authorizationCodeGrant, refresh, end session URL', async () => {
    const config = await oidc.discovery(new URL(gh.url), web.client_id, web.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: web.redirect_uris[0],
      scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const cb = await browse(url);
    const tokens = await oidc.authorizationCodeGrant(config, cb, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    assert.equal(claims.email, user.email);
    assert.equal(claims.aud, web.client_id);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp.example/' });
    assert.equal(end.origin + end.pathname, `${gh.url}/oauth/logout`);

    // A response whose state is not the client's own is refused by the client (missing or reused state).
    const other = await browse(oidc.buildAuthorizationUrl(config, { redirect_uri: web.redirect_uris[0], scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'someone-elses' }));
    await assert.rejects(oidc.authorizationCodeGrant(config, other, { pkceCodeVerifier: verifier, expectedState: state }), (err: Error) => /state/.test(String((err.cause as Error | undefined)?.message)));
  });

  test('oauth4webapi: a public client (spa) with its defaults', async () => {
    const issuer = new URL(gh.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    const client: oauth.Client = { client_id: spa.client_id };
    const auth = oauth.None();
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', spa.client_id);
    url.searchParams.set('redirect_uri', spa.redirect_uris[0]);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid email');
    url.searchParams.set('nonce', nonce);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    const cb = await browse(url);
    const params = oauth.validateAuthResponse(as, client, cb, oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, spa.redirect_uris[0], verifier, { [oauth.allowInsecureRequests]: true });
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
    assert.ok(result.access_token);
    assert.equal(oauth.getValidatedIdTokenClaims(result)!.email, user.email);
    // The iss of the response is checked: a response claiming another issuer is refused (RFC 9207).
    const forged = new URL(cb);
    forged.searchParams.set('iss', 'https://evil.example');
    assert.throws(() => oauth.validateAuthResponse(as, client, forged, oauth.expectNoState));
  });
});
