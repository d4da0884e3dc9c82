// POST /oauth/token against a real server: every grant and each error path with its RFC error code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

describe('token endpoint', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let other: BotCredentials;
  let user: { email: string; password: string };

  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'ingest' });
    other = await gh.createBot({ name: 'other' });
    const prod = await gh.createApi({ identifier: 'https://dataloy', scopes: ['cargo:read', 'cargo:write'] });
    const dev = await gh.createApi({ identifier: 'https://dataloy.dev', scopes: ['cargo:read'], token_lifetime: 600 });
    await gh.grant(prod.id, bot.id, ['cargo:read', 'cargo:write']);
    await gh.grant(dev.id, bot.id, ['cargo:read']);
    user = { email: 'zaphod@example.com', password: 'correct horse battery' };
    await gh.createUser({ ...user, name: 'Zaphod' });
  });
  after(() => gh.stop());

  const cc = (extra: Record<string, string> = {}) => ({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy', ...extra });

  test('client_credentials as JSON returns the Dataloy shape and an RFC 9068 token', async () => {
    const r = await gh.token(cc(), { json: true });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).slice(0, 3), ['access_token', 'expires_in', 'token_type']);
    assert.equal(r.body.expires_in, 86400);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const { header, payload } = decode(r.body.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256');
    assert.equal(payload.iss, gh.url);
    assert.equal(payload.aud, 'https://dataloy');
    assert.equal(payload.sub, `bot|${bot.id}`);
    assert.equal(payload.client_id, bot.client_id);
    assert.equal(payload.scope, 'cargo:read cargo:write');
    assert.equal(payload.exp - payload.iat, 86400);
    assert.ok(payload.jti);
    const jwks = createRemoteJWKSet(new URL(`${gh.url}/.well-known/jwks.json`));
    await jwtVerify(r.body.access_token, jwks, { issuer: gh.url, audience: 'https://dataloy', typ: 'at+jwt' });
  });

  test('client_credentials as a form, with client_secret_basic, and with resource (RFC 8707)', async () => {
    const form = await gh.token(cc());
    assert.equal(form.status, 200);
    const basic = await gh.token({ grant_type: 'client_credentials', audience: 'https://dataloy' }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(basic.status, 200);
    const resource = await gh.token({ grant_type: 'client_credentials', resource: 'https://dataloy.dev' }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(resource.status, 200);
    assert.equal(resource.body.expires_in, 600);
    assert.equal(decode(resource.body.access_token).payload.aud, 'https://dataloy.dev');
  });

  test('scopes are narrowed to what was asked and refused beyond the grant', async () => {
    const narrow = await gh.token(cc({ scope: 'cargo:read' }));
    assert.equal(narrow.body.scope, 'cargo:read');
    const tooMuch = await gh.token(cc({ audience: 'https://dataloy.dev', scope: 'cargo:write' }));
    assert.equal(tooMuch.status, 400);
    assert.equal(tooMuch.body.error, 'invalid_scope');
  });

  test('client_credentials errors: missing audience, unknown audience, no grant, both audience and resource', async () => {
    const missing = await gh.token(cc({ audience: '' }));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    assert.match(missing.body.error_description, /audience/);
    const unknown = await gh.token(cc({ audience: 'https://nope' }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_target');
    const noGrant = await gh.token({ ...cc(), client_id: other.client_id, client_secret: other.client_secret });
    assert.equal(noGrant.status, 403);
    assert.equal(noGrant.body.error, 'access_denied');
    const both = await gh.token(cc({ resource: 'https://dataloy' }));
    assert.equal(both.body.error, 'invalid_request');
  });

  test('client authentication errors', async () => {
    const wrong = await gh.token(cc({ client_secret: bot.client_secret + 'x' }));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const unknown = await gh.token(cc({ client_id: 'nobody@bots.example', client_secret: 'ghb_x' }));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'invalid_client');
    assert.deepEqual(unknown.body, wrong.body, 'unknown and wrong secret look the same');
    const basicWrong = await gh.token({ grant_type: 'client_credentials', audience: 'https://dataloy' }, { basic: [bot.client_id, 'nope'] });
    assert.equal(basicWrong.status, 401);
    assert.match(basicWrong.headers.get('www-authenticate') ?? '', /^Basic/);
    const double = await gh.token(cc(), { basic: [bot.client_id, bot.client_secret] });
    assert.equal(double.status, 400);
    assert.equal(double.body.error, 'invalid_request');
    const noAuth = await gh.token({ grant_type: 'client_credentials', audience: 'https://dataloy' });
    assert.equal(noAuth.status, 401);
    assert.equal(noAuth.body.error, 'invalid_client');
    const malformed = await fetch(`${gh.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic !!!notbase64', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&audience=https%3A%2F%2Fdataloy',
    });
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error, 'invalid_request');
  });

  test('request errors: grant_type missing or unknown, duplicate parameters, bad bodies', async () => {
    const none = await gh.token({ client_id: bot.client_id });
    assert.equal(none.body.error, 'invalid_request');
    const unsupported = await gh.token({ ...cc(), grant_type: 'urn:example:not-a-grant' });
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${gh.url}/oauth/token`, { method: 'POST', headers: { 'content-type': type }, body });
    const dup = await post(`grant_type=client_credentials&scope=a&scope=b&client_id=${encodeURIComponent(bot.client_id)}&client_secret=${bot.client_secret}`);
    assert.equal(dup.status, 400);
    assert.equal((await dup.json()).error, 'invalid_request');
    // Several audiences (RFC 8707 §2 allows several resources) are a target question, answered in conformance.test.ts.
    const twoAudiences = await post(`grant_type=client_credentials&audience=https%3A%2F%2Fdataloy&audience=https%3A%2F%2Fdataloy.dev&client_id=${encodeURIComponent(bot.client_id)}&client_secret=${bot.client_secret}`);
    assert.equal((await twoAudiences.json()).error, 'invalid_target');
    const badJson = await post('{"grant_type":', 'application/json');
    assert.equal(badJson.status, 400);
    assert.equal((await badJson.json()).error, 'invalid_request');
    const arrayJson = await post('["x"]', 'application/json');
    assert.equal(arrayJson.status, 400);
    const objectValue = await post('{"grant_type":{"a":1}}', 'application/json');
    assert.equal(objectValue.status, 400);
    const text = await post('grant_type=password', 'text/plain');
    assert.ok(text.status === 415 || text.status === 400, `status ${text.status}`);
    assert.equal((await text.json()).error, 'invalid_request');
    const big = await post('grant_type=password&username=' + 'a'.repeat(20_000));
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error, 'invalid_request');
  });

  test('password grant for a user returns access, ID and refresh tokens with the seed claims', async () => {
    const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password });
    assert.equal(r.status, 200);
    for (const k of ['access_token', 'id_token', 'refresh_token']) assert.equal(typeof r.body[k], 'string', k);
    assert.match(r.body.refresh_token, /^ghr_[A-Za-z0-9_-]{43}$/);
    const id = decode(r.body.id_token).payload;
    for (const claim of ['name', 'nickname', 'picture', 'locale', 'updated_at', 'email', 'email_verified', 'iss', 'sub', 'aud', 'iat', 'exp']) {
      assert.ok(claim in id, `ID token has ${claim}`);
    }
    assert.equal(id.email, user.email);
    assert.equal(id.name, 'Zaphod');
    assert.equal(id.aud, 'gatehouse-public');
    assert.equal(id.exp - id.iat, 86400);
    const at = decode(r.body.access_token).payload;
    assert.equal(at.aud, 'gatehouse');
    assert.match(at.scope, /openid/);
  });

  test('password grant for a bot (Dataloop M2M) and its errors', async () => {
    const r = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    assert.equal(r.status, 200);
    assert.equal(decode(r.body.access_token).payload.sub, `bot|${bot.id}`);
    const wrong = await gh.token({ grant_type: 'password', username: user.email, password: 'wrong password' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    const unknown = await gh.token({ grant_type: 'password', username: 'nobody@example.com', password: 'wrong password' });
    assert.deepEqual(unknown.body, wrong.body, 'unknown user and wrong password answer alike');
    const missing = await gh.token({ grant_type: 'password', username: user.email });
    assert.equal(missing.body.error, 'invalid_request');
    const asOther = await gh.token({ grant_type: 'password', username: user.email, password: user.password }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(asOther.body.error, 'unauthorized_client');
    const withAudience = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password, audience: 'https://dataloy', scope: 'cargo:read' });
    assert.equal(withAudience.status, 200);
    assert.equal(decode(withAudience.body.access_token).payload.scope, 'cargo:read');
  });

  test('a rotated bot secret stops working at once, or after the grace period', async () => {
    const b = await gh.createBot({ name: 'rotating' });
    const rotated = await gh.api('POST', `/api/v1/projects/${b.project_id}/bots/${b.id}/rotate-secret`, {});
    assert.notEqual(rotated.client_secret, b.client_secret);
    const old = await gh.token({ grant_type: 'password', username: b.email, password: b.password });
    assert.equal(old.body.error, 'invalid_grant');
    const fresh = await gh.token({ grant_type: 'password', username: b.email, password: rotated.password });
    assert.equal(fresh.status, 200);
    const graced = await gh.api('POST', `/api/v1/projects/${b.project_id}/bots/${b.id}/rotate-secret`, { grace_seconds: 60 });
    assert.equal((await gh.token({ grant_type: 'password', username: b.email, password: rotated.password })).status, 200, 'old secret works during grace');
    assert.equal((await gh.token({ grant_type: 'password', username: b.email, password: graced.password })).status, 200);
  });

  test('the seed aliases: Dataloop POST /token?default and NOMAD GET /api/v1/auth/token', async () => {
    const dl = await fetch(`${gh.url}/token?default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: bot.email, password: bot.password, type: 'user_credentials' }),
    });
    assert.equal(dl.status, 200);
    const body = await dl.json();
    assert.ok(body.access_token && body.id_token && body.refresh_token);
    const bad = await fetch(`${gh.url}/token?default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: bot.email, password: 'x', type: 'user_credentials' }) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, 'invalid_grant');
    const nomad = await fetch(`${gh.url}/api/v1/auth/token?${new URLSearchParams({ username: user.email, password: user.password })}`);
    assert.equal(nomad.status, 200);
    assert.ok((await nomad.json()).access_token);
  });
});
