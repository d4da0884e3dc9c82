/** verifyRequest for web-standard Request handlers (Hono, Bun, Deno, Next). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyRequest } from '@gatehouse/verify';
import { nowSeconds, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
before(async () => {
  f = await setup();
});
after(() => f.close());

const request = (token?: string, url = 'https://api.example/v1/things?q=1'): Request =>
  new Request(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

test('resolves with the claims of a valid token', async () => {
  const result = await verifyRequest(request(await f.issuer.sign()), { verifier: f.verifier });
  assert.ok(!(result instanceof Response));
  assert.equal(result?.sub, 'user-1');
});

test('resolves with a ready 401 Response for an expired token', async () => {
  const result = await verifyRequest(request(await f.issuer.sign({ exp: nowSeconds() - 60 })), { verifier: f.verifier });
  assert.ok(result instanceof Response);
  assert.equal(result.status, 401);
  assert.equal(result.headers.get('x-auth-reason'), 'token_expired');
  assert.match(result.headers.get('content-type') ?? '', /application\/json/);
  const body = await result.json();
  assert.equal(body.message, 'Token expired.');
  assert.equal(body.uri, 'https://api.example/v1/things?q=1');
});

test('scopes: 403 when missing', async () => {
  const result = await verifyRequest(request(await f.issuer.sign()), { verifier: f.verifier, scopes: ['datasets:write'] });
  assert.ok(result instanceof Response);
  assert.equal(result.status, 403);
  assert.equal(result.headers.get('x-auth-reason'), 'insufficient_scope');
});

test('optional: anonymous resolves undefined; required: 401', async () => {
  assert.equal(await verifyRequest(request(), { verifier: f.verifier, optional: true }), undefined);
  const required = await verifyRequest(request(), { verifier: f.verifier });
  assert.ok(required instanceof Response);
  assert.equal(required.status, 401);
  const bad = await verifyRequest(request('bad'), { verifier: f.verifier, optional: true });
  assert.ok(bad instanceof Response);
});
