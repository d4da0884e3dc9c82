/** The Express middleware, over real HTTP. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { authOf, expressAuth, requireScopes } from '@gatehouse/verify/express';
import { nowSeconds, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
let server: Server;
let base: string;

before(async () => {
  f = await setup();
  const app = express();
  app.get('/public', expressAuth({ verifier: f.verifier, mode: 'optional' }), (req, res) => {
    res.json({ anonymous: authOf(req) === undefined });
  });
  app.use('/api', expressAuth({ verifier: f.verifier }));
  app.get('/api/me', (req, res) => {
    res.json({ sub: authOf(req)?.sub });
  });
  app.post('/api/datasets', requireScopes('datasets:write'), (req, res) => {
    res.status(201).json({ by: authOf(req)?.sub });
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await f.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('a valid token reaches the route with req.auth set', async () => {
  const res = await fetch(`${base}/api/me`, { headers: bearer(await f.issuer.sign()) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { sub: 'user-1' });
});

test('expired: 401 with the seed body, challenge and reason; token not echoed', async () => {
  const token = await f.issuer.sign({ exp: nowSeconds() - 60 });
  const res = await fetch(`${base}/api/me?token=${token}`, { headers: bearer(token) });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('x-auth-reason'), 'token_expired');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="Token expired."');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const text = await res.text();
  assert.ok(!text.includes(token));
  const body = JSON.parse(text);
  assert.deepEqual(
    [body.statusCode, body.statusText, body.message, body.statusFamily, body.method, body.uri],
    [401, 'Unauthorized', 'Token expired.', 'CLIENT_ERROR', 'GET', `${base}/api/me?token=REDACTED`],
  );
});

test('requireScopes: 403 without the scope, 201 with it', async () => {
  const denied = await fetch(`${base}/api/datasets`, { method: 'POST', headers: bearer(await f.issuer.sign()) });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('x-auth-reason'), 'insufficient_scope');
  assert.equal((await denied.json()).statusCode, 403);
  const ok = await fetch(`${base}/api/datasets`, { method: 'POST', headers: bearer(await f.issuer.sign({ scope: 'datasets:write' })) });
  assert.equal(ok.status, 201);
});

test('optional mode lets anonymous calls through but not bad tokens', async () => {
  assert.deepEqual(await (await fetch(`${base}/public`)).json(), { anonymous: true });
  assert.deepEqual(await (await fetch(`${base}/public`, { headers: bearer(await f.issuer.sign()) })).json(), { anonymous: false });
  assert.equal((await fetch(`${base}/public`, { headers: bearer('x.y.z') })).status, 401);
});

test('no token on a required route: 401 with a bare Bearer challenge', async () => {
  const res = await fetch(`${base}/api/me`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
});
