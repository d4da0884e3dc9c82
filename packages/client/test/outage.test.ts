import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { clientCredentials, GatehouseError, memoryStore, type FetchLike } from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts token endpoint attempts on the client's side: while the server is down, nothing reaches the wire. */
function countingFetch(): { fetch: FetchLike; attempts: () => number } {
  let attempts = 0;
  return {
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) attempts++;
      return fetch(input, init);
    },
    attempts: () => attempts,
  };
}

suite('token server outage', (kind) => {
  let f: Fixture;
  before(async () => { f = await startFixture(kind, { tokenLifetime: 4 }); });
  after(() => f?.close());

  it('cold cache, server down: retries, then a clear network error; recovers without restart', async () => {
    const counter = countingFetch();
    const p = clientCredentials({
      issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience,
      tokenEndpoint: `${f.issuer}/oauth/token`, fetch: counter.fetch, cache: memoryStore(),
      retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    });
    await f.wire.down();
    await assert.rejects(p.getToken(), (error: unknown) => {
      assert.ok(error instanceof GatehouseError);
      assert.equal(error.code, 'network');
      assert.ok(error.retryable);
      assert.match(error.message, /Could not reach http:\/\/127\.0\.0\.1:\d+\/oauth\/token: ECONNREFUSED/);
      return true;
    });
    assert.equal(counter.attempts(), 3);
    await f.wire.up();
    const token = await p.getToken();
    assert.ok(token.accessToken);
  });

  it('warm cache, server down: serves the valid token, backs off, errors once it expires, then recovers', async () => {
    const counter = countingFetch();
    const p = clientCredentials({
      issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience,
      fetch: counter.fetch, cache: memoryStore(), retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 400 },
    });
    const first = await p.getToken(); // refresh from half-life, usable until exp minus a tenth (at most 30 s)
    await f.wire.down();
    let served = 0;
    let lastServedAt = 0;
    let failure: GatehouseError | undefined;
    let calls = 0;
    const giveUpAt = first.expiresAt + 5_000;
    while (!failure && Date.now() < giveUpAt) {
      calls++;
      try {
        assert.equal((await p.getToken()).accessToken, first.accessToken);
        served++;
        lastServedAt = Date.now();
      } catch (error) {
        assert.ok(error instanceof GatehouseError);
        failure = error;
      }
      await sleep(50);
    }
    assert.ok(failure, 'an error once no usable token was left');
    assert.equal(failure.code, 'network');
    assert.match(failure.message, /cached token expired at .* could not be renewed: Could not reach/);
    assert.ok(served > 0, 'kept serving the valid token while the server was down');
    const skew = Math.min(30_000, (first.expiresAt - first.issuedAt) / 10);
    assert.ok(lastServedAt < first.expiresAt - skew, 'never served the token past exp minus the skew allowance');
    const attempts = counter.attempts() - 1;
    assert.ok(attempts >= 2, `retried in the background (${attempts} attempts)`);
    assert.ok(attempts < calls, `backed off: ${attempts} attempts for ${calls} calls`);

    await f.wire.up();
    const recovered = await p.getToken();
    assert.notEqual(recovered.accessToken, first.accessToken);
  });
});
