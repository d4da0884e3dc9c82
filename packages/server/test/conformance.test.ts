// Standards conformance (issue 17): where Gatehouse departed from the specifications or was stricter than widely
// used clients expect. One numbered test group per item of the issue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

const HTTP_SURFACE = fileURLToPath(new URL('../../../docs/http-surface.md', import.meta.url));

describe('standards conformance', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let other: BotCredentials;
  const user = { email: 'reader@example.com', password: 'a long enough password', name: 'Rea Der' };
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'conformance' });
    other = await gh.createBot({ name: 'other' });
    const api = await gh.createApi({ identifier: 'https://api.example', scopes: ['read'] });
    const api2 = await gh.createApi({ identifier: 'https://api2.example', scopes: ['read'] });
    await gh.grant(api.id, bot.id, ['read']);
    await gh.grant(api2.id, bot.id, ['read']);
    await gh.createUser(user);
  });
  after(() => gh.stop());

  const call = async (method: string, path: string, init: { form?: Record<string, string>; auth?: string; json?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    if (init.auth) headers.authorization = init.auth;
    const res = await fetch(gh.url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, text, body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
  const botAuth = () => basic(bot.client_id, bot.client_secret);
  const login = async (params: Record<string, string> = {}) => {
    const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password, ...params });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { access_token: string; id_token: string; refresh_token: string };
  };
  const discovery = async () => (await fetch(`${gh.url}/.well-known/openid-configuration`)).json() as Promise<Record<string, any>>;

  describe('1. RS256 for ID tokens (OIDC Discovery §3, Core §15.1)', () => {
    test('discovery lists RS256 for ID tokens and JWKS publishes an RS256 key', async () => {
      const d = await discovery();
      assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'), JSON.stringify(d.id_token_signing_alg_values_supported));
      const jwks = (await (await fetch(`${gh.url}/.well-known/jwks.json`)).json()) as { keys: any[] };
      assert.ok(jwks.keys.some((k) => k.alg === 'RS256' && k.kty === 'RSA' && k.use === 'sig'));
      assert.ok(jwks.keys.some((k) => k.alg === 'ES256'), 'the default key stays');
    });

    test('ID tokens are signed with RS256; access tokens keep ES256', async () => {
      const s = await login();
      assert.equal(decode(s.id_token).header.alg, 'RS256');
      assert.equal(decode(s.access_token).header.alg, 'ES256');
      const jwks = createRemoteJWKSet(new URL(`${gh.url}/.well-known/jwks.json`));
      await jwtVerify(s.id_token, jwks, { issuer: gh.url, audience: 'gatehouse-public', algorithms: ['RS256'] });
      // The Dataloop seed's ID-token bearer still works on the management API.
      const me = await call('GET', '/api/v1/projects', { auth: `Bearer ${s.id_token}` });
      assert.equal(me.status, 200, me.text);
    });

    test('key rotation rotates the RS256 key alongside the default', async () => {
      const before = (await gh.api('GET', '/api/v1/keys')).keys as any[];
      const activeRs = before.find((k) => k.alg === 'RS256' && k.state === 'active');
      assert.ok(activeRs, 'an active RS256 key');
      assert.ok(before.some((k) => k.alg === 'RS256' && k.state === 'next'), 'a next RS256 key');
      await gh.api('POST', '/api/v1/keys/rotate');
      const afterKeys = (await gh.api('GET', '/api/v1/keys')).keys as any[];
      assert.equal(afterKeys.find((k) => k.kid === activeRs.kid).state, 'retiring');
      const s = await login();
      assert.notEqual(decode(s.id_token).header.kid, activeRs.kid);
      assert.equal(decode(s.id_token).header.alg, 'RS256');
    });
  });

  describe('2. introspection token_type (RFC 7662 §2.2)', () => {
    test('an access token introspects as token_type "Bearer", its kind in gh_token_kind', async () => {
      const s = await login();
      const r = await call('POST', '/oauth/introspect', { form: { token: s.access_token }, auth: botAuth() });
      assert.equal(r.body.active, true);
      assert.equal(r.body.token_type, 'Bearer');
      assert.equal(r.body.gh_token_kind, 'access_token');
      const rt = await call('POST', '/oauth/introspect', { form: { token: s.refresh_token }, auth: botAuth() });
      assert.equal(rt.body.active, true);
      assert.equal(rt.body.token_type, undefined, 'a refresh token has no RFC 6749 §7.1 type');
      assert.equal(rt.body.gh_token_kind, 'refresh_token');
    });
  });

  describe('3. revoking a refresh token ends the access tokens of its grant (RFC 7009 §2.1)', () => {
    test('access tokens of the family become inactive, refused by the management API, and are in the feed', async () => {
      const s = await login();
      const refreshed = await gh.token({ grant_type: 'refresh_token', refresh_token: s.refresh_token });
      assert.equal(refreshed.status, 200);
      const unrelated = await login();
      const cursor = ((await call('GET', '/oauth/revocations')).body as { cursor: string }).cursor;
      const rv = await call('POST', '/oauth/revoke', { form: { token: refreshed.body.refresh_token, client_id: 'gatehouse-public' } });
      assert.equal(rv.status, 200);
      for (const t of [s.access_token, refreshed.body.access_token]) {
        const i = await call('POST', '/oauth/introspect', { form: { token: t }, auth: botAuth() });
        assert.deepEqual(i.body, { active: false });
        const m = await call('GET', '/api/v1/projects', { auth: `Bearer ${t}` });
        assert.equal(m.status, 401);
      }
      const feed = (await call('GET', `/oauth/revocations?since=${cursor}`)).body as { revoked: { jti: string }[] };
      const jtis = feed.revoked.map((r) => r.jti);
      assert.ok(jtis.includes(decode(s.access_token).payload.jti));
      assert.ok(jtis.includes(decode(refreshed.body.access_token).payload.jti));
      const still = await call('POST', '/oauth/introspect', { form: { token: unrelated.access_token }, auth: botAuth() });
      assert.equal(still.body.active, true, 'another login of the same user is untouched');
    });
  });

  describe('4. userinfo (RFC 6750 §3.1, OIDC Core §5.3, §5.4)', () => {
    test('no token: 401 with a challenge and no error code', async () => {
      const r = await call('GET', '/oauth/userinfo');
      assert.equal(r.status, 401);
      const challenge = r.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer /);
      assert.doesNotMatch(challenge, /error=/);
    });

    test('a bad token: invalid_token', async () => {
      const r = await call('GET', '/oauth/userinfo', { auth: 'Bearer abc.def.ghi' });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('a token without the openid scope, or for another audience, is refused', async () => {
      const cc = await gh.token({ grant_type: 'client_credentials', audience: 'https://api.example' }, { basic: [bot.client_id, bot.client_secret] });
      const r = await call('GET', '/oauth/userinfo', { auth: `Bearer ${cc.body.access_token}` });
      assert.notEqual(r.status, 200);
      const noOpenid = await login({ scope: 'profile email' });
      const r2 = await call('GET', '/oauth/userinfo', { auth: `Bearer ${noOpenid.access_token}` });
      assert.equal(r2.status, 403);
      assert.match(r2.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      const otherAud = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password, audience: 'https://api.example', scope: 'openid read' });
      assert.equal(otherAud.status, 200, JSON.stringify(otherAud.body));
      const r3 = await call('GET', '/oauth/userinfo', { auth: `Bearer ${otherAud.body.access_token}` });
      assert.equal(r3.status, 401);
      assert.match(r3.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('claims by scope: openid alone gives sub; profile and email add theirs', async () => {
      const only = await call('GET', '/oauth/userinfo', { auth: `Bearer ${(await login({ scope: 'openid' })).access_token}` });
      assert.equal(only.status, 200, only.text);
      assert.deepEqual(Object.keys(only.body), ['sub']);
      const email = await call('GET', '/oauth/userinfo', { auth: `Bearer ${(await login({ scope: 'openid email' })).access_token}` });
      assert.deepEqual(Object.keys(email.body).sort(), ['email', 'email_verified', 'sub']);
      assert.equal(email.body.email, user.email);
      const all = await call('GET', '/oauth/userinfo', { auth: `Bearer ${(await login()).access_token}` });
      assert.equal(all.body.name, user.name);
      assert.equal(all.body.email, user.email);
      assert.ok('picture' in all.body && 'updated_at' in all.body);
    });
  });

  describe('5. more than one resource (RFC 8707 §2)', () => {
    test('two resource parameters: invalid_target saying one is supported', async () => {
      const body = new URLSearchParams([['grant_type', 'client_credentials'], ['resource', 'https://api.example'], ['resource', 'https://api2.example']]);
      const res = await fetch(`${gh.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: botAuth() }, body });
      const r = (await res.json()) as any;
      assert.equal(res.status, 400);
      assert.equal(r.error, 'invalid_target');
      assert.match(r.error_description, /one/);
    });

    test('a JSON audience array: the same answer', async () => {
      const r = await gh.token({ grant_type: 'client_credentials', audience: ['https://api.example', 'https://api2.example'] } as never, { basic: [bot.client_id, bot.client_secret], json: true });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_target');
      assert.match(r.body.error_description, /one/);
    });
  });

  describe('6. public client as HTTP Basic with an empty password', () => {
    test('Basic gatehouse-public: is the public client', async () => {
      const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password }, { basic: ['gatehouse-public', ''] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const rr = await gh.token({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token }, { basic: ['gatehouse-public', ''] });
      assert.equal(rr.status, 200, JSON.stringify(rr.body));
    });

    test('a confidential client with an empty secret is still refused; the public client cannot do client_credentials', async () => {
      const r = await gh.token({ grant_type: 'password', username: other.email, password: other.password }, { basic: [other.client_id, ''] });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
      const cc = await gh.token({ grant_type: 'client_credentials', audience: 'https://api.example' }, { basic: ['gatehouse-public', ''] });
      assert.equal(cc.body.error, 'invalid_client');
    });
  });

  describe('7. revocation answers {} as JSON', () => {
    test('200 application/json {}', async () => {
      const s = await login();
      const r = await call('POST', '/oauth/revoke', { form: { token: s.access_token, client_id: 'gatehouse-public' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(JSON.parse(r.text), {});
      const unknown = await call('POST', '/oauth/revoke', { form: { token: 'nothing' }, auth: botAuth() });
      assert.deepEqual(JSON.parse(unknown.text), {});
    });
  });

  describe('8. method not allowed, and docs/http-surface.md agrees with discovery', () => {
    test('GET /oauth/token: 405, Allow: POST, an OAuth error body', async () => {
      for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
        const r = await call('GET', path);
        assert.equal(r.status, 405, path);
        assert.equal(r.headers.get('allow'), 'POST');
        assert.equal(r.body.error, 'invalid_request');
        assert.ok(r.body.error_description);
      }
    });

    test('every discovery field is documented, and nothing documented is missing', async () => {
      const doc = fs.readFileSync(HTTP_SURFACE, 'utf8');
      const section = doc.split('\n## Discovery')[1]!.split('\n## ')[0]!;
      const rows = section.split('\n').filter((l) => l.startsWith('| `'));
      const documented = rows.map((l) => /^\| `([a-z_]+)`/.exec(l)![1]!);
      const d = await discovery();
      assert.deepEqual([...documented].sort(), Object.keys(d).sort());
      const absent = /Absent fields:([^\n]+)/.exec(section)?.[1] ?? '';
      for (const name of absent.match(/`([a-z_]+)`/g) ?? []) assert.equal(d[name.slice(1, -1)], undefined, name);
      assert.equal(d.authorization_endpoint, `${gh.issuer}/oauth/authorize`);
    });
  });
});
