import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { clientCredentials, createAuthFetch, decodeJwt, memoryStore } from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('proactive refresh of a short-lived token', (kind) => {
  let f: Fixture;
  // 5 s on the stand-in; Gatehouse's shortest lifetime (30 s) on the real server.
  before(async () => { f = await startFixture(kind, { tokenLifetime: 5 }); });
  after(() => f?.close());

  it('replaces a short-lived token before it expires: no request ever reaches the API with an expired token', async () => {
    const p = clientCredentials({
      issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience, cache: memoryStore(),
    });
    const authFetch = createAuthFetch(p);
    const statusesBefore = f.resource.statuses.length;
    const tokensBefore = f.wire.tokenRequests().length;
    const used = new Map<string, number>(); // access token → exp (s)
    const durationMs = f.tokenLifetime * 1500; // one and a half lifetimes: at least two refreshes
    const until = Date.now() + durationMs;
    while (Date.now() < until) {
      // A few callers at once, as a busy service would have.
      const responses = await Promise.all([1, 2, 3].map(() => authFetch(`${f.resource.url}/data`)));
      for (const response of responses) assert.equal(response.status, 200);
      const token = (await p.getToken()).accessToken;
      used.set(token, decodeJwt(token).exp!);
      await sleep(50);
    }
    const statuses = f.resource.statuses.slice(statusesBefore);
    assert.equal(statuses.filter((s) => s !== 200).length, 0, 'the API never answered 401: refreshes came before expiry');
    const tokenRequests = f.wire.tokenRequests().length - tokensBefore;
    // Refreshed at half-life: about three over 1.5 lifetimes; never one per call.
    assert.ok(tokenRequests >= 2 && tokenRequests <= 6, `token requests: ${tokenRequests}`);
    assert.ok(used.size >= 2);
  });
});
