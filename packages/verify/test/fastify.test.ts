/** The Fastify plugin, through fastify.inject. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyAuth, requireScopes } from '@gatehouse/verify/fastify';
import { nowSeconds, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
let app: FastifyInstance;

before(async () => {
  f = await setup();
  app = Fastify();
  await app.register(fastifyAuth, { verifier: f.verifier });
  app.get('/me', async (request) => ({ sub: request.auth?.sub }));
  app.post('/datasets', { preHandler: requireScopes('datasets:write') }, async (request) => ({ by: request.auth?.sub }));
  app.get('/public', { config: { auth: 'optional' } }, async (request) => ({ anonymous: request.auth === undefined }));
  app.get('/healthz', { config: { auth: 'none' } }, async () => ({ ok: true }));
  app.get('/optional-scoped', { config: { auth: 'optional' }, preHandler: requireScopes('datasets:read') }, async () => ({ ok: true }));
});
after(async () => {
  await app.close();
  await f.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('a valid token reaches the handler with request.auth set', async () => {
  const res = await app.inject({ url: '/me', headers: bearer(await f.issuer.sign()) });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { sub: 'user-1' });
});

test('no token: 401, the seven-field body and a bare Bearer challenge', async () => {
  const res = await app.inject({ url: '/me?x=1', headers: { host: 'api.test:8081' } });
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(res.headers['x-auth-reason'], 'token_invalid');
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['statusCode', 'statusText', 'message', 'date', 'statusFamily', 'method', 'uri']);
  assert.equal(body.uri, 'http://api.test:8081/me?x=1');
});

test('expired token: "Token expired.", token_expired, and the token is echoed nowhere', async () => {
  const token = await f.issuer.sign({ exp: nowSeconds() - 60 });
  const res = await app.inject({ url: `/me?access_token=${token}`, headers: bearer(token) });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().message, 'Token expired.');
  assert.equal(res.json().statusFamily, 'CLIENT_ERROR');
  assert.equal(res.headers['x-auth-reason'], 'token_expired');
  assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token", error_description="Token expired."');
  assert.ok(!res.body.includes(token) && !JSON.stringify(res.headers).includes(token));
  assert.match(res.json().uri, /access_token=REDACTED$/);
});

test('requireScopes: 403 insufficient_scope without it, 200 with it', async () => {
  const denied = await app.inject({ method: 'POST', url: '/datasets', headers: bearer(await f.issuer.sign({ scope: 'datasets:read' })) });
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.headers['x-auth-reason'], 'insufficient_scope');
  assert.match(String(denied.headers['www-authenticate']), /^Bearer error="insufficient_scope", .*scope="datasets:write"$/);
  assert.equal(denied.json().statusText, 'Forbidden');
  const allowed = await app.inject({ method: 'POST', url: '/datasets', headers: bearer(await f.issuer.sign({ scope: 'datasets:read datasets:write' })) });
  assert.equal(allowed.statusCode, 200);
  assert.deepEqual(allowed.json(), { by: 'user-1' });
});

test('optional routes: anonymous passes, a bad token still fails', async () => {
  assert.deepEqual((await app.inject({ url: '/public' })).json(), { anonymous: true });
  assert.deepEqual((await app.inject({ url: '/public', headers: bearer(await f.issuer.sign()) })).json(), { anonymous: false });
  const bad = await app.inject({ url: '/public', headers: bearer('not-a-token') });
  assert.equal(bad.statusCode, 401);
  assert.equal((await app.inject({ url: '/optional-scoped' })).statusCode, 401, 'a scope check needs a token');
});

test("auth: 'none' routes never look at the header", async () => {
  assert.equal((await app.inject({ url: '/healthz', headers: bearer('junk') })).statusCode, 200);
});

test('an unreachable issuer is a 503 in the same shape, not a 401', async () => {
  const down = Fastify();
  const g = await setup({}, { oidcDiscovery: false, oauthDiscovery: false });
  try {
    await down.register(fastifyAuth, { verifier: g.verifier });
    down.get('/x', async () => 'no');
    const res = await down.inject({ url: '/x', headers: bearer(await g.issuer.sign()) });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().statusFamily, 'SERVER_ERROR');
    assert.equal(res.headers['www-authenticate'], undefined);
  } finally {
    await down.close();
    await g.close();
  }
});

test('the plugin refuses to start without a verifier', async () => {
  const bare = Fastify();
  await assert.rejects(async () => {
    await bare.register(fastifyAuth, {} as never);
    await bare.ready();
  }, TypeError);
});
