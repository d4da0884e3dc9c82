// The hostile token catalogue of the token, introspection and userinfo endpoints, each with its exact answer:
// grant confusion (a token of one kind presented as another), forged and tampered JWTs, replay after revocation,
// cross-client refresh, scope escalation on refresh, and expired and revoked tokens at introspection.
// Plain reuse of a spent refresh token, audience binding and basic narrowing are in refresh.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { decode } from '../support/jwt.ts';
import { type RawReply, basic, postForm, send } from './http.ts';

function assertOAuthError(r: RawReply, status: number, error: string): void {
  assert.equal(r.status, status, `expected ${status} ${error}, got ${r.status} ${r.text}`);
  assert.equal(r.body?.error, error, r.text);
}

const b64url = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

describe('hostile token catalogue', () => {
  let gh: Gatehouse;
  let botA: BotCredentials;
  let botB: BotCredentials;
  let cargoId: string;
  const user = { email: 'ford.prefect@example.com', password: 'betelgeuse five' };
  let session: { access_token: string; id_token: string; refresh_token: string };
  let botAccess: string;
  let expiring: { token: string; mintedAt: number };

  before(async () => {
    gh = await startGatehouse();
    botA = await gh.createBot({ name: 'alpha' });
    botB = await gh.createBot({ name: 'beta' });
    // Every signed-in user may hold both scopes (an explicit opt-in): the refresh rules are what is tested here.
    const cargo = await gh.createApi({ identifier: 'https://cargo', scopes: ['cargo:read', 'cargo:write'], user_scopes: ['cargo:read', 'cargo:write'] });
    cargoId = cargo.id;
    await gh.grant(cargo.id, botA.id, ['cargo:read', 'cargo:write']);
    await gh.createUser(user);
    session = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body;
    botAccess = (await gh.token({ grant_type: 'client_credentials', audience: 'https://cargo' }, { basic: [botA.client_id, botA.client_secret] })).body.access_token;
    // An app token of one second, checked at the end (after the verifier's 5 s clock tolerance).
    const app = await send(gh.url, { path: '/api/v1/auth/app_token?expires_in=1', headers: { authorization: `Bearer ${session.access_token}` } });
    expiring = { token: app.body.access_token, mintedAt: Date.now() };
  });
  after(() => gh.stop());

  const introspect = async (token: string) => (await postForm(gh.url, { token }, { path: '/oauth/introspect', headers: { authorization: basic(botA.client_id, botA.client_secret) } })).body;
  const management = (token: string) => send(gh.url, { path: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });
  const refresh = (refresh_token: string, extra: Record<string, string> = {}, client?: BotCredentials) =>
    postForm(gh.url, { grant_type: 'refresh_token', refresh_token, ...extra }, { headers: client ? { authorization: basic(client.client_id, client.client_secret) } : {} });

  test('grant confusion: a refresh, access or ID token where a client secret is expected is invalid_client (401)', async () => {
    for (const secret of [session.refresh_token, session.access_token, session.id_token]) {
      assertOAuthError(await postForm(gh.url, { grant_type: 'client_credentials', audience: 'https://cargo', client_id: botA.client_id, client_secret: secret }), 401, 'invalid_client');
      const viaBasic = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'https://cargo' }, { headers: { authorization: basic(botA.client_id, secret) } });
      assertOAuthError(viaBasic, 401, 'invalid_client');
      assert.match(String(viaBasic.headers['www-authenticate']), /^Basic /);
    }
  });

  test('grant confusion: an ID token, access token, app token or bot secret as a refresh token is invalid_grant (400)', async () => {
    const app = (await send(gh.url, { path: '/api/v1/auth/app_token?expires_in=600', headers: { authorization: `Bearer ${session.access_token}` } })).body.access_token;
    for (const [name, token] of [['id_token', session.id_token], ['access_token', session.access_token], ['app token', app], ['bot secret', botA.client_secret], ['bot access token', botAccess]] as const) {
      const r = await refresh(token);
      assertOAuthError(r, 400, 'invalid_grant');
      assert.doesNotMatch(r.text, /ghr_|eyJ/, `${name}: the error does not echo the token`);
    }
    assert.equal((await refresh(session.refresh_token)).status, 200, 'the real refresh token was not disturbed');
    session = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body;
  });

  test('grant confusion: a refresh token as a password or username is invalid_grant, as a bearer token 401 token_invalid', async () => {
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: user.email, password: session.refresh_token }), 400, 'invalid_grant');
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: session.refresh_token, password: user.password }), 400, 'invalid_grant');
    // (The public client's ID token is a bearer token on the management API, as the Dataloop seed uses it; elsewhere
    // it is not an access token.)
    for (const token of [session.refresh_token, botA.client_secret]) {
      const r = await management(token);
      assert.equal(r.status, 401);
      assert.equal(r.headers['x-auth-reason'], 'token_invalid');
      assert.match(String(r.headers['www-authenticate']), /error="invalid_token"/);
      const ui = await send(gh.url, { path: '/oauth/userinfo', headers: { authorization: `Bearer ${token}` } });
      assert.equal(ui.status, 401);
    }
    assert.deepEqual(await introspect(session.id_token), { active: false }, 'an ID token is not an access token (typ JWT, aud = the client)');
    assert.equal((await send(gh.url, { path: '/oauth/userinfo', headers: { authorization: `Bearer ${session.id_token}` } })).status, 401);
    const botLogin = await postForm(gh.url, { grant_type: 'password', username: botA.email, password: botA.password }, { headers: { authorization: basic(botA.client_id, botA.client_secret) } });
    const foreignId = await management(botLogin.body.id_token);
    assert.equal(foreignId.status, 401, 'an ID token issued to another client is no bearer token');
  });

  test('forged and tampered JWTs are inactive at introspection and token_invalid at the API', async () => {
    const { header, payload } = decode(botAccess);
    const [h, p, sig] = botAccess.split('.');
    const jwks = await (await fetch(`${gh.url}/.well-known/jwks.json`)).json();
    const forged = {
      'alg none': `${b64url({ ...header, alg: 'none' })}.${p}.`,
      'HS256 keyed with the public key': (() => {
        const hh = b64url({ ...header, alg: 'HS256' });
        return `${hh}.${p}.${createHmac('sha256', JSON.stringify(jwks.keys[0])).update(`${hh}.${p}`).digest('base64url')}`;
      })(),
      'payload changed, signature kept': `${h}.${b64url({ ...payload, scope: 'cargo:read cargo:write admin' })}.${sig}`,
      'unknown kid': `${b64url({ ...header, kid: 'not-a-key' })}.${p}.${sig}`,
      'other issuer': `${h}.${b64url({ ...payload, iss: 'https://evil.example' })}.${sig}`,
      'signature stripped': `${h}.${p}.`,
      'not a JWT': 'definitely.not.ajwt',
    };
    for (const [name, token] of Object.entries(forged)) {
      assert.deepEqual(await introspect(token), { active: false }, name);
      const r = await management(token);
      assert.equal(r.status, 401, name);
      assert.equal(r.headers['x-auth-reason'], 'token_invalid', name);
    }
  });

  test('cross-client refresh: another client gets invalid_grant and the owner can still use the token', async () => {
    const login = await postForm(gh.url, { grant_type: 'password', username: botA.email, password: botA.password }, { headers: { authorization: basic(botA.client_id, botA.client_secret) } });
    const rt = login.body.refresh_token as string;
    assertOAuthError(await refresh(rt, {}, botB), 400, 'invalid_grant');
    assertOAuthError(await refresh(rt), 400, 'invalid_grant');
    // RFC 7009 §2.1: another client's revocation is a silent 200 that changes nothing.
    assert.equal((await postForm(gh.url, { token: rt }, { path: '/oauth/revoke', headers: { authorization: basic(botB.client_id, botB.client_secret) } })).status, 200);
    const own = await refresh(rt, {}, botA);
    assert.equal(own.status, 200, 'failed attempts by others neither spent nor revoked it');
    assert.equal(decode(own.body.access_token).payload.client_id, botA.client_id);
  });

  test('scope escalation on refresh: only the family scope or less; another audience is invalid_grant', async () => {
    const login = await gh.token({ grant_type: 'password', username: user.email, password: user.password, audience: 'https://cargo', scope: 'openid cargo:read' });
    assert.equal(login.status, 200);
    let rt = login.body.refresh_token as string;
    assertOAuthError(await refresh(rt, { scope: 'openid cargo:write' }), 400, 'invalid_scope');
    assertOAuthError(await refresh(rt, { scope: 'cargo:read cargo:write' }), 400, 'invalid_scope');
    assertOAuthError(await refresh(rt, { audience: 'gatehouse' }), 400, 'invalid_grant');
    assertOAuthError(await refresh(rt, { resource: 'https://cargo.evil' }), 400, 'invalid_grant');
    const narrowed = await refresh(rt, { scope: 'cargo:read' });
    assert.equal(narrowed.status, 200, 'refused requests did not spend the token');
    assert.equal(decode(narrowed.body.access_token).payload.scope, 'cargo:read');
    rt = narrowed.body.refresh_token;
    const plain = await refresh(rt, { resource: 'https://cargo' });
    assert.equal(plain.status, 200);
    assert.equal(decode(plain.body.access_token).payload.scope, 'openid cargo:read', 'the family scope, never more');
  });

  test('scope on refresh follows the current grant: a scope taken from a bot stops at its next refresh', async () => {
    const login = await postForm(gh.url, { grant_type: 'password', username: botA.email, password: botA.password, audience: 'https://cargo' }, { headers: { authorization: basic(botA.client_id, botA.client_secret) } });
    assert.equal(decode(login.body.access_token).payload.scope, 'openid profile email offline_access cargo:read cargo:write');
    await gh.grant(cargoId, botA.id, ['cargo:read']);
    try {
      assertOAuthError(await refresh(login.body.refresh_token, { scope: 'cargo:write' }, botA), 400, 'invalid_scope');
      const r = await refresh(login.body.refresh_token, {}, botA);
      assert.equal(r.status, 200);
      assert.doesNotMatch(decode(r.body.access_token).payload.scope, /cargo:write/);
    } finally {
      await gh.grant(cargoId, botA.id, ['cargo:read', 'cargo:write']);
    }
  });

  test('replay after revocation: every token of a revoked family is inactive; a deleted bot\'s access token is revoked', async () => {
    const first = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body.refresh_token;
    const second = (await refresh(first)).body.refresh_token;
    assert.equal((await introspect(second)).active, true);
    assertOAuthError(await refresh(first), 400, 'invalid_grant');
    assert.deepEqual(await introspect(second), { active: false }, 'the live successor died with the reuse');
    assertOAuthError(await refresh(second), 400, 'invalid_grant');

    const doomed = await gh.createBot({ name: 'doomed-catalogue' });
    const at = (await gh.token({ grant_type: 'client_credentials', audience: 'gatehouse' }, { basic: [doomed.client_id, doomed.client_secret] })).body.access_token;
    assert.equal((await introspect(at)).active, true);
    await gh.api('DELETE', `/api/v1/projects/${doomed.project_id}/bots/${doomed.id}`);
    assert.deepEqual(await introspect(at), { active: false });
    const r = await management(at);
    assert.equal(r.status, 401);
    assert.equal(r.headers['x-auth-reason'], 'token_revoked');
  });

  test('a revoked app token is inactive at introspection and token_revoked at the API', async () => {
    const created = await gh.api('POST', '/api/v1/app-tokens', { name: 'short-lived', expires_in: 600 }, session.access_token);
    assert.equal((await introspect(created.token)).active, true);
    await gh.api('DELETE', `/api/v1/app-tokens/${created.id}`, undefined, session.access_token);
    assert.deepEqual(await introspect(created.token), { active: false });
    assert.equal((await management(created.token)).headers['x-auth-reason'], 'token_revoked');
  });

  test('an expired token is inactive at introspection and "Token expired." at the API', async () => {
    const wait = expiring.mintedAt + 7_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    assert.deepEqual(await introspect(expiring.token), { active: false });
    const r = await management(expiring.token);
    assert.equal(r.status, 401);
    assert.equal(r.body.message, 'Token expired.');
    assert.equal(r.headers['x-auth-reason'], 'token_expired');
  });
});
