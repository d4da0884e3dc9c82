// RFC 7662 introspection, RFC 7009 revocation, the revocation feed, and userinfo.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';

describe('introspection, revocation, userinfo', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let intruder: BotCredentials;
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'caller' });
    intruder = await gh.createBot({ name: 'intruder' });
    const api = await gh.createApi({ identifier: 'https://api.example', scopes: ['read'] });
    await gh.grant(api.id, bot.id, ['read']);
  });
  after(() => gh.stop());

  const form = async (path: string, params: Record<string, string>, auth?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth) headers.authorization = auth;
    const res = await fetch(gh.url + path, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const basic = (b: BotCredentials) => 'Basic ' + Buffer.from(`${encodeURIComponent(b.client_id)}:${encodeURIComponent(b.client_secret)}`).toString('base64');
  const cc = async () => (await gh.token({ grant_type: 'client_credentials', audience: 'https://api.example' }, { basic: [bot.client_id, bot.client_secret] })).body.access_token as string;

  test('introspection needs an authenticated caller', async () => {
    const r = await form('/oauth/introspect', { token: await cc() });
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });

  test('an active access token introspects with its claims; garbage is {"active":false}', async () => {
    const token = await cc();
    const r = await form('/oauth/introspect', { token }, basic(bot));
    assert.equal(r.status, 200);
    assert.equal(r.body.active, true);
    assert.equal(r.body.aud, 'https://api.example');
    assert.equal(r.body.sub, `bot|${bot.id}`);
    assert.equal(r.body.scope, 'read');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    for (const t of ['garbage', 'a.b.c', token.slice(0, -4) + 'AAAA']) {
      const x = await form('/oauth/introspect', { token: t }, basic(bot));
      assert.deepEqual(x.body, { active: false });
    }
    const byBearer = await form('/oauth/introspect', { token }, `Bearer ${await gh.adminToken()}`);
    assert.equal(byBearer.body.active, true);
  });

  test('refresh tokens introspect too, and become inactive once used', async () => {
    const s = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    const live = await form('/oauth/introspect', { token: s.body.refresh_token }, basic(bot));
    assert.equal(live.body.active, true);
    assert.equal(live.body.gh_token_kind, 'refresh_token');
    await gh.token({ grant_type: 'refresh_token', refresh_token: s.body.refresh_token });
    const used = await form('/oauth/introspect', { token: s.body.refresh_token }, basic(bot));
    assert.deepEqual(used.body, { active: false });
  });

  test('revoking an access token: inactive at introspection, listed in the revocation feed', async () => {
    const token = await cc();
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    const before = await (await fetch(`${gh.url}/oauth/revocations`)).json();
    const someoneElse = await form('/oauth/revoke', { token }, basic(intruder));
    assert.equal(someoneElse.status, 200, 'RFC 7009: 200 even when the caller may not revoke it');
    assert.equal((await form('/oauth/introspect', { token }, basic(bot))).body.active, true, 'another client cannot revoke it');
    const r = await form('/oauth/revoke', { token }, basic(bot));
    assert.equal(r.status, 200);
    assert.deepEqual((await form('/oauth/introspect', { token }, basic(bot))).body, { active: false });
    const feed = await (await fetch(`${gh.url}/oauth/revocations?since=${before.cursor}`)).json();
    assert.ok(feed.revoked.some((x: { jti: string }) => x.jti === jti));
    assert.notEqual(feed.cursor, before.cursor);
    const empty = await (await fetch(`${gh.url}/oauth/revocations?since=${feed.cursor}`)).json();
    assert.deepEqual(empty.revoked, []);
    const bad = await fetch(`${gh.url}/oauth/revocations?since=abc`);
    assert.equal(bad.status, 400);
  });

  test('revoking a refresh token ends its family; unknown tokens and bad hints', async () => {
    const s = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    assert.equal((await form('/oauth/revoke', { token: s.body.refresh_token, token_type_hint: 'refresh_token' })).status, 200);
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: s.body.refresh_token })).body.error, 'invalid_grant');
    assert.equal((await form('/oauth/revoke', { token: 'whatever' })).status, 200);
    const hint = await form('/oauth/revoke', { token: 'whatever', token_type_hint: 'weird' });
    assert.equal(hint.body.error, 'unsupported_token_type');
    assert.equal((await form('/oauth/revoke', {})).body.error, 'invalid_request');
  });

  test('userinfo returns the profile claims for a valid token', async () => {
    const s = await gh.token({ grant_type: 'password', username: gh.admin.email, password: gh.admin.password });
    const res = await fetch(`${gh.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${s.body.access_token}` } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.email, gh.admin.email);
    assert.ok(body.sub && body.name && 'email_verified' in body);
    const no = await fetch(`${gh.url}/oauth/userinfo`);
    assert.equal(no.status, 401);
    assert.match(no.headers.get('www-authenticate') ?? '', /^Bearer/);
  });
});

describe('the ID token as a bearer token (Dataloop seed)', () => {
  test('works on the management API, can be revoked, and is refused where an access token is required', async () => {
    const gh = await startGatehouse();
    try {
      const project = await gh.createProject('myProject');
      const login = await fetch(`${gh.url}/token?default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: gh.admin.email, password: gh.admin.password, type: 'user_credentials' }),
      });
      const { id_token } = await login.json();
      const get = (token: string) => fetch(`${gh.url}/api/v1/projects/${project.id}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await get(id_token)).status, 200);
      const other = await gh.createBot({ name: 'not-mine' });
      const botLogin = await gh.token({ grant_type: 'password', username: other.email, password: other.password }, { basic: [other.client_id, other.client_secret] });
      const r = await get(botLogin.body.id_token);
      assert.equal(r.status, 401, 'an ID token issued to another client is not a bearer token here');
      const intro = await fetch(`${gh.url}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await gh.adminToken()}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: id_token }),
      });
      assert.deepEqual(await intro.json(), { active: false }, 'introspection speaks of access and refresh tokens only');
      await fetch(`${gh.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: id_token }) });
      const revoked = await get(id_token);
      assert.equal(revoked.status, 401);
      assert.equal(revoked.headers.get('x-auth-reason'), 'token_revoked');
    } finally {
      await gh.stop();
    }
  });
});
