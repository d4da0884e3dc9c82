// App tokens over real HTTP: minted with a name and a chosen expiry (capped), shown once, listed with name,
// prefix and times, accepted by the management API and by @gatehouse/verify, and revocable everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier } from '@gatehouse/verify';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, grantedBotToken, newUser } from './http.ts';
import { eventually } from '../../../../test/support/eventually.ts';

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, any>;

describe('app tokens', () => {
  let gh: Gatehouse;
  let user: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    gh = await startGatehouse();
    user = await newUser(gh, 'nomad');
  });
  after(() => gh.stop());

  const mint = (body: unknown, token = user.token) => call(gh, 'POST', '/api/v1/app-tokens', { token, body });

  test('minting returns the token once, with the expiry asked for; the list shows name, prefix and times only', async () => {
    const r = await mint({ name: 'notebook', expires_in: 7200 });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const b = r.body;
    assert.equal(b.name, 'notebook');
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.expires_in, 7200);
    assert.equal(b.last_used_at, null);
    assert.equal(b.expired, false);
    const claims = payload(b.token);
    assert.equal(claims.exp - claims.iat, 7200);
    assert.equal(claims.gh_token_type, 'app');
    assert.equal(claims.sub, user.id);
    assert.equal(claims.aud, 'gatehouse');
    assert.ok(claims.jti.startsWith(b.prefix));
    assert.equal(Date.parse(b.expires_at) - Date.parse(b.created_at), 7200_000);

    const list = await call(gh, 'GET', '/api/v1/app-tokens', { token: user.token });
    assert.equal(list.status, 200);
    const entry = list.body.find((t: any) => t.id === b.id);
    assert.deepEqual(Object.keys(entry).sort(), ['created_at', 'expired', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'scopes']);
    assert.ok(!list.text.includes(b.token), 'the token is shown once only');
    assert.ok(!gh.logs().includes(b.token), 'the token reached the logs');
  });

  test('the default expiry is 86400 seconds; scopes narrow to a subset of the caller\'s', async () => {
    const r = await mint({ name: 'default' });
    assert.equal(r.status, 201);
    assert.equal(r.body.expires_in, 86400);
    const narrowed = await mint({ name: 'narrow', scopes: ['openid'] });
    assert.equal(narrowed.status, 201);
    assert.deepEqual(narrowed.body.scopes, ['openid']);
    assert.equal(payload(narrowed.body.token).scope, 'openid');
    assertError(await mint({ name: 'wider', scopes: ['admin:all'] }), 400, /scopes not held by the caller: admin:all/);
  });

  test('an app token is a bearer token for the management API, and its use is recorded', async () => {
    const t = (await mint({ name: 'used', expires_in: 600 })).body;
    const me = await call(gh, 'GET', '/api/v1/users/me', { token: t.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, user.email);
    await eventually(async () => {
      const list = (await call(gh, 'GET', '/api/v1/app-tokens', { token: user.token })).body;
      return list.find((x: any) => x.id === t.id)?.last_used_at !== null;
    });
    // An app token cannot mint more app tokens.
    assertError(await mint({ name: 'child' }, t.token), 403, /cannot mint another app token/);
  });

  test('revocation: the management API refuses it at once, and @gatehouse/verify through the revocation feed', async () => {
    const t = (await mint({ name: 'doomed', expires_in: 600 })).body;
    const verifier = createVerifier({ issuer: gh.url, audience: 'gatehouse', revocation: { poll: true, intervalMs: 100 } });
    try {
      const claims = await verifier.verify(`Bearer ${t.token}`);
      assert.equal(claims.sub, user.id);

      const del = await call(gh, 'DELETE', `/api/v1/app-tokens/${t.id}`, { token: user.token });
      assert.equal(del.status, 204);
      const refused = await call(gh, 'GET', '/api/v1/users/me', { token: t.token });
      assertError(refused, 401, /revoked/);
      assert.equal(refused.headers.get('x-auth-reason'), 'token_revoked');
      assert.ok(!(await call(gh, 'GET', '/api/v1/app-tokens', { token: user.token })).body.some((x: any) => x.id === t.id), 'gone from the list');

      const feed = await (await fetch(`${gh.url}/oauth/revocations`)).json();
      assert.ok(feed.revoked.some((r: any) => r.jti === payload(t.token).jti));
      await eventually(() => verifier.verify(`Bearer ${t.token}`).then(() => false, () => true), { message: 'the verifier refuses the revoked token' });
    } finally {
      verifier.close();
    }
    assertError(await call(gh, 'DELETE', `/api/v1/app-tokens/${t.id}`, { token: user.token }), 404, /App token not found/);
  });

  test('expires_in: negative, zero, fractional, not a number, Infinity or over the cap is a 400 that names the maximum', async () => {
    const before = (await call(gh, 'GET', '/api/v1/app-tokens', { token: user.token })).body.length;
    const max = 365 * 86400;
    for (const bad of [-1, 1.5, 1e12, max + 1]) {
      assertError(await mint({ name: `bad ${bad}`, expires_in: bad }), 400, new RegExp(`${max}`));
    }
    assertError(await mint({ name: 'zero', expires_in: 0 }), 400, /at least 1 second/);
    // JSON has no Infinity: 1e400 parses as Infinity.
    assertError(await call(gh, 'POST', '/api/v1/app-tokens', { token: user.token, raw: '{"name":"inf","expires_in":1e400}' }), 400, new RegExp(`${max}`));
    for (const bad of ['3600', 'Infinity', 'NaN', null, true, [3600], {}]) {
      assertError(await mint({ name: 'typed', expires_in: bad }), 400, new RegExp(`whole number of seconds from 1 to ${max}`));
    }
    assert.equal((await call(gh, 'GET', '/api/v1/app-tokens', { token: user.token })).body.length, before, 'nothing half-written');
  });

  test('names are required, non-blank and unique among the caller\'s active tokens; unknown fields are refused', async () => {
    assert.equal((await mint({ name: 'twin' })).status, 201);
    assertError(await mint({ name: 'twin' }), 409, /already have an active app token named "twin"/);
    assertError(await mint({ expires_in: 60 }), 400, /missing the required field "name"/);
    assertError(await mint({ name: '   ' }), 400, /must not be blank/);
    assertError(await mint({ name: 'x'.repeat(201) }), 400, /at most 200 characters/);
    assertError(await mint({ name: 'extra', audience: 'https://elsewhere' }), 400, /unknown field "audience"/);
    assertError(await call(gh, 'DELETE', '/api/v1/app-tokens/not.an.id', { token: user.token }), 400, /"tokenId" is not a valid id/);
  });

  test('at most 100 active app tokens per user, on the management route and on NOMAD\'s GET /api/v1/auth/app_token alike', async () => {
    const u = await newUser(gh, 'hoarder');
    const nomad = (token: string) => call(gh, 'GET', '/api/v1/auth/app_token?expires_in=600', { token });
    for (let i = 0; i < 99; i++) assert.equal((await mint({ name: `t${i}`, expires_in: 600 }, u.token)).status, 201);
    assert.equal((await nomad(u.token)).status, 200, 'the 100th, through the NOMAD route');
    assertError(await nomad(u.token), 409, /100 active app tokens, the most allowed/);
    assertError(await mint({ name: 'one more', expires_in: 600 }, u.token), 409, /100 active app tokens, the most allowed/);
    const first = (await call(gh, 'GET', '/api/v1/app-tokens', { token: u.token })).body[0];
    assert.equal((await call(gh, 'DELETE', `/api/v1/app-tokens/${first.id}`, { token: u.token })).status, 204);
    assert.equal((await nomad(u.token)).status, 200, 'room again after a revocation');
  });

  test('tokens are private to their user; bots have none', async () => {
    const mine = (await mint({ name: 'private' })).body;
    const other = await newUser(gh, 'other');
    assert.ok(!(await call(gh, 'GET', '/api/v1/app-tokens', { token: other.token })).body.some((x: any) => x.id === mine.id));
    assertError(await call(gh, 'DELETE', `/api/v1/app-tokens/${mine.id}`, { token: other.token }), 404);
    assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: mine.token })).status, 200, 'still valid');

    const projectId = (await call(gh, 'POST', '/api/v1/projects', { token: user.token, body: { name: 'p' } })).body.id;
    const bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: user.token, body: { name: 'b' } })).body;
    const bt = await grantedBotToken(gh, user.token, bot);
    assertError(await call(gh, 'GET', '/api/v1/app-tokens', { token: bt }), 403, /for users/);
    assertError(await mint({ name: 'bot' }, bt), 403, /for users/);
  });

  test('GATEHOUSE_APP_TOKEN_MAX_SECONDS caps the expiry, and the default never exceeds it', async () => {
    const capped = await startGatehouse({ env: { GATEHOUSE_APP_TOKEN_MAX_SECONDS: '3600' } });
    try {
      const u = await newUser(capped, 'capped');
      const r = await call(capped, 'POST', '/api/v1/app-tokens', { token: u.token, body: { name: 'default' } });
      assert.equal(r.status, 201);
      assert.equal(r.body.expires_in, 3600);
      assertError(await call(capped, 'POST', '/api/v1/app-tokens', { token: u.token, body: { name: 'long', expires_in: 3601 } }), 400, /over the server maximum of 3600 seconds/);
      const doc = await (await fetch(`${capped.url}/api/v1/openapi.json`)).json();
      assert.match(JSON.stringify(doc.paths['/api/v1/app-tokens'].post.requestBody), /from 1 to 3600/);
    } finally {
      await capped.stop();
    }
  });
});
