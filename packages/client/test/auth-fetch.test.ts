import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { clientCredentials, createAuthFetch, memoryStore } from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

suite('authFetch', (kind) => {
  let f: Fixture;
  before(async () => { f = await startFixture(kind); });
  after(() => f?.close());

  const provider = () => clientCredentials({
    issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience, cache: memoryStore(),
  });

  it('1,000 concurrent calls on a cold cache cause exactly one token request', async () => {
    const before = f.wire.tokenRequests().length;
    const authFetch = createAuthFetch(provider());
    const responses = await Promise.all(Array.from({ length: 1000 }, () => authFetch(`${f.resource.url}/data`)));
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    assert.equal(f.wire.tokenRequests().length - before, 1, 'token requests seen on the wire');
  });

  it('after a server-side revocation, retries once with a new token and succeeds', async () => {
    const p = provider();
    const authFetch = createAuthFetch(p);
    assert.equal((await authFetch(`${f.resource.url}/data`)).status, 200);
    const { accessToken } = await p.getToken();
    const revoke = await fetch(`${f.backend.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${encodeURIComponent(f.bot.client_id)}:${encodeURIComponent(f.bot.client_secret)}`)}` },
      body: new URLSearchParams({ token: accessToken }),
    });
    assert.equal(revoke.status, 200);
    const tokensBefore = f.wire.tokenRequests().length;
    const statusesBefore = f.resource.statuses.length;
    // Concurrent callers all hit the revoked token; they must share one new token request.
    const responses = await Promise.all(Array.from({ length: 20 }, () => authFetch(`${f.resource.url}/data`, {
      method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' },
    })));
    assert.deepEqual(responses.map((r) => r.status), Array(20).fill(200));
    assert.equal(f.wire.tokenRequests().length - tokensBefore, 1, 'one new token for all retries');
    const seen = f.resource.statuses.slice(statusesBefore);
    assert.equal(seen.filter((s) => s === 401).length, 20, 'each caller saw the revocation once');
    assert.equal(seen.filter((s) => s === 200).length, 20, 'each caller succeeded on its one retry');
    assert.ok(f.resource.bodies.slice(-20).every((b) => b === '{"n":1}'), 'the retried request carried the same body');
    assert.notEqual((await p.getToken()).accessToken, accessToken);
  });

  it('does not retry a request whose body is a stream, and hands back the 401', async () => {
    const p = provider();
    const authFetch = createAuthFetch(p);
    const { accessToken } = await p.getToken();
    await fetch(`${f.backend.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${encodeURIComponent(f.bot.client_id)}:${encodeURIComponent(f.bot.client_secret)}`)}` },
      body: new URLSearchParams({ token: accessToken }),
    });
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('x')); c.close(); } });
    const response = await authFetch(`${f.resource.url}/data`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await response.json() as { statusCode: number }).statusCode, 401, 'the caller can still read the body');
  });

  it('passes the Authorization header for Request objects and keeps their other headers', async () => {
    const authFetch = createAuthFetch(provider());
    const response = await authFetch(new Request(`${f.resource.url}/data`, { headers: { 'x-trace': '1' } }));
    assert.equal(response.status, 200);
  });
});
