// The caching rules on their own, driven by a scripted token source (the dependency, not the thing under test).
// Time-dependent rules run on a stepped clock (the `clock` option): refresh points, expiry and backoff are reached
// by advancing it, never by sleeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedProvider, clientCredentials, GatehouseError, memoryStore, type CacheStore, type Token } from '../src/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A clock the test moves by hand. */
function steppedClock() {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function token(lifetimeMs: number, n: number, now = Date.now()): Token {
  return { accessToken: `t${n}`, tokenType: 'Bearer', issuedAt: now, expiresAt: now + lifetimeMs };
}

/** Lets the flights started by the last call settle (the scripted source answers without waiting). */
const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)); };

/** A token source that counts calls and can be told to fail or to be slow; issued at `clock`'s time. */
function source(lifetimeMs: number, clock?: { now(): number }) {
  const state = { calls: 0, fail: undefined as GatehouseError | undefined, delayMs: 0, signals: [] as AbortSignal[] };
  const fetchToken = async (_current: Token | undefined, signal: AbortSignal): Promise<Token> => {
    state.calls++;
    state.signals.push(signal);
    if (state.delayMs) await sleep(state.delayMs);
    if (signal.aborted) throw new GatehouseError('aborted', 'aborted');
    if (state.fail) throw state.fail;
    return token(lifetimeMs, state.calls, clock?.now());
  };
  return { state, fetchToken };
}

const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

describe('cachedProvider', () => {
  it('serves the cached token until the refresh point', async () => {
    const { state, fetchToken } = source(3_600_000);
    const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
    const first = await p.getToken();
    for (let i = 0; i < 100; i++) assert.equal(await p.getToken(), first);
    assert.equal(state.calls, 1);
  });

  it('single flight: concurrent cold callers share one request', async () => {
    const { state, fetchToken } = source(3_600_000);
    state.delayMs = 20;
    const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
    const tokens = await Promise.all(Array.from({ length: 500 }, () => p.getToken()));
    assert.equal(state.calls, 1);
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
  });

  it('providers sharing a store and key share the token and the flight', async () => {
    const { state, fetchToken } = source(3_600_000);
    state.delayMs = 10;
    const cache = memoryStore();
    const a = cachedProvider('same', fetchToken, { cache });
    const b = cachedProvider('same', fetchToken, { cache });
    const [ta, tb] = await Promise.all([a.getToken(), b.getToken()]);
    assert.equal(ta.accessToken, tb.accessToken);
    assert.equal(state.calls, 1);
  });

  it('refreshes in the background after the refresh point, serving the old token meanwhile', async () => {
    const clock = steppedClock();
    const { state, fetchToken } = source(60_000, clock); // refresh at half-life (30 s): 60 s-before would be "always"
    const p = cachedProvider('k', fetchToken, { cache: memoryStore({ clock }), clock });
    const first = await p.getToken();
    clock.advance(29_999);
    assert.equal(await p.getToken(), first);
    assert.equal(state.calls, 1, 'before the refresh point: no request');
    clock.advance(2);
    assert.equal((await p.getToken()).accessToken, first.accessToken, 'still usable: served without waiting');
    await settle();
    assert.equal(state.calls, 2);
    assert.equal((await p.getToken()).accessToken, 't2');
  });

  it('keeps serving the still-valid token when refreshes fail, backing off between attempts', async () => {
    const clock = steppedClock();
    const { state, fetchToken } = source(600_000, clock);
    const retry = { attempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000 };
    const p = cachedProvider('k', fetchToken, { cache: memoryStore({ clock }), retry, clock });
    await p.getToken();
    clock.advance(480_001); // past the refresh point (0.8 of the lifetime), far from expiry
    state.fail = new GatehouseError('server_error', 'down');
    for (let i = 0; i < 20; i++) {
      assert.equal((await p.getToken()).accessToken, 't1');
      await settle();
    }
    assert.equal(state.calls - 1, 1, 'one failed attempt, then the backoff: never one attempt per call');
    clock.advance(1_000); // the longest backoff (half of each delay is random)
    await p.getToken();
    await settle();
    assert.equal(state.calls - 1, 2, 'after the backoff, one more attempt');
    state.fail = undefined;
    clock.advance(1_000);
    await p.getToken(); // past the backoff: starts a new background attempt, which now succeeds
    await settle();
    assert.notEqual((await p.getToken()).accessToken, 't1', 'recovered once the source works again');
  });

  it('never hands out a token past exp minus skew: throws the typed refresh error instead', async () => {
    const clock = steppedClock();
    const { state, fetchToken } = source(300_000, clock);
    const p = cachedProvider('k', fetchToken, { cache: memoryStore({ clock }), retry: fastRetry, clock });
    await p.getToken();
    state.fail = new GatehouseError('network', 'Could not reach x');
    clock.advance(300_000 - 30_000); // exp minus the skew allowance (30 s)
    const before = state.calls;
    await assert.rejects(p.getToken(), (error: unknown) => {
      assert.ok(error instanceof GatehouseError);
      assert.equal(error.code, 'network');
      assert.match(error.message, /cached token expired at .* could not be renewed/);
      return true;
    });
    assert.equal(state.calls - before, 3, 'retried up to the attempt limit');
  });

  it('does not retry errors that retrying cannot fix', async () => {
    const { state, fetchToken } = source(1000);
    state.fail = new GatehouseError('invalid_client', 'bad secret', { status: 401 });
    const p = cachedProvider('k', fetchToken, { cache: memoryStore(), retry: fastRetry });
    await assert.rejects(p.getToken(), { code: 'invalid_client' });
    assert.equal(state.calls, 1);
  });

  it('rejects a token that is already unusable when issued', async () => {
    const p = cachedProvider('k', async () => token(0, 1), { cache: memoryStore() });
    await assert.rejects(p.getToken(), { code: 'token_expired' });
  });

  it('forceRefresh gets a new token; concurrent forced calls share one request', async () => {
    const { state, fetchToken } = source(3_600_000);
    state.delayMs = 10;
    const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
    await p.getToken();
    const forced = await Promise.all(Array.from({ length: 10 }, () => p.getToken({ forceRefresh: true })));
    assert.equal(state.calls, 2);
    assert.ok(forced.every((t) => t.accessToken === 't2'));
  });

  it('invalidate drops only the token it names', async () => {
    const { state, fetchToken } = source(3_600_000);
    const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
    await p.getToken();
    await p.invalidate('some-other-token');
    assert.equal((await p.getToken()).accessToken, 't1');
    await p.invalidate('t1');
    assert.equal((await p.getToken()).accessToken, 't2');
    assert.equal(state.calls, 2);
  });

  describe('abort signals', () => {
    it('an already-aborted signal fails fast with code aborted', async () => {
      const { state, fetchToken } = source(1000);
      const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
      await assert.rejects(p.getToken({ signal: AbortSignal.abort() }), { code: 'aborted' });
      assert.equal(state.calls, 0);
    });

    it('one waiter aborting does not cancel the request the others wait for', async () => {
      const { state, fetchToken } = source(3_600_000);
      state.delayMs = 50;
      const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
      const controller = new AbortController();
      const aborted = p.getToken({ signal: controller.signal });
      const other = p.getToken();
      controller.abort();
      await assert.rejects(aborted, { code: 'aborted' });
      assert.equal((await other).accessToken, 't1');
      assert.equal(state.signals[0]?.aborted, false);
    });

    it('when the last waiter aborts, the request itself is cancelled', async () => {
      const { state, fetchToken } = source(3_600_000);
      state.delayMs = 50;
      const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
      const controller = new AbortController();
      const pending = p.getToken({ signal: controller.signal });
      await sleep(5);
      controller.abort();
      await assert.rejects(pending, { code: 'aborted' });
      assert.equal(state.signals[0]?.aborted, true);
    });
  });

  it('carries on without the cache when the store throws, and reports it', async () => {
    const errors: unknown[] = [];
    const broken: CacheStore = {
      get() { throw new Error('redis down'); },
      async set() { throw new Error('redis down'); },
      delete() { throw new Error('redis down'); },
    };
    const { state, fetchToken } = source(3_600_000);
    const p = cachedProvider('k', fetchToken, { cache: broken, onCacheError: (e) => errors.push(e) });
    assert.equal((await p.getToken()).accessToken, 't1');
    assert.equal((await p.getToken()).accessToken, 't1');
    assert.equal(state.calls, 1);
    assert.ok(errors.length >= 2);
  });

  it('an async store shares a token between two providers (two processes in miniature)', async () => {
    const map = new Map<string, string>();
    const jsonStore: CacheStore = {
      async get(key) { const v = map.get(key); return v === undefined ? undefined : JSON.parse(v) as Token; },
      async set(key, value) { map.set(key, JSON.stringify(value)); },
      async delete(key) { map.delete(key); },
    };
    const one = source(3_600_000);
    const two = source(3_600_000);
    const a = cachedProvider('shared', one.fetchToken, { cache: jsonStore });
    const b = cachedProvider('shared', two.fetchToken, { cache: { ...jsonStore } }); // another store object: no shared flight
    const ta = await a.getToken();
    const tb = await b.getToken();
    assert.equal(tb.accessToken, ta.accessToken);
    assert.equal(two.state.calls, 0);
  });

  it('a provider takes the clock too: its tokens are timed by it, and it refreshes when the clock says so', async () => {
    const clock = steppedClock();
    let requests = 0;
    const fetch = async () => new Response(JSON.stringify({ access_token: `a${++requests}`, token_type: 'Bearer', expires_in: 60 }), { headers: { 'content-type': 'application/json' } });
    const p = clientCredentials({
      issuer: 'https://gatehouse.example', tokenEndpoint: 'https://gatehouse.example/oauth/token',
      clientId: 'bot@example', clientSecret: 's', audience: 'https://api.example', fetch, clock, cache: memoryStore({ clock }),
    });
    const first = await p.getToken();
    assert.equal(first.issuedAt, clock.now());
    assert.equal(first.expiresAt, clock.now() + 60_000);
    clock.advance(29_000);
    assert.equal((await p.getToken()).accessToken, 'a1');
    clock.advance(2_000); // past half the lifetime
    await p.getToken();
    await settle();
    assert.equal((await p.getToken()).accessToken, 'a2');
    assert.equal(requests, 2);
  });
});
