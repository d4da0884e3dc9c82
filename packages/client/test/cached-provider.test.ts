// The caching rules on their own, driven by a scripted token source (the dependency, not the thing under test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedProvider, GatehouseError, memoryStore, type CacheStore, type Token } from '../src/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function token(lifetimeMs: number, n: number): Token {
  const now = Date.now();
  return { accessToken: `t${n}`, tokenType: 'Bearer', issuedAt: now, expiresAt: now + lifetimeMs };
}

/** A token source that counts calls and can be told to fail or to be slow. */
function source(lifetimeMs: number) {
  const state = { calls: 0, fail: undefined as GatehouseError | undefined, delayMs: 0, signals: [] as AbortSignal[] };
  const fetchToken = async (_current: Token | undefined, signal: AbortSignal): Promise<Token> => {
    state.calls++;
    state.signals.push(signal);
    if (state.delayMs) await sleep(state.delayMs);
    if (signal.aborted) throw new GatehouseError('aborted', 'aborted');
    if (state.fail) throw state.fail;
    return token(lifetimeMs, state.calls);
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
    const { state, fetchToken } = source(400); // refresh at half-life (200 ms): 60 s-before would be "always"
    const p = cachedProvider('k', fetchToken, { cache: memoryStore() });
    const first = await p.getToken();
    await sleep(250);
    assert.equal((await p.getToken()).accessToken, first.accessToken, 'still usable: served without waiting');
    await sleep(20);
    assert.equal(state.calls, 2);
    assert.equal((await p.getToken()).accessToken, 't2');
  });

  it('keeps serving the still-valid token when refreshes fail, backing off between attempts', async () => {
    const { state, fetchToken } = source(1000);
    const p = cachedProvider('k', fetchToken, { cache: memoryStore(), retry: { attempts: 1, baseDelayMs: 100, maxDelayMs: 100 } });
    await p.getToken();
    await sleep(520);
    state.fail = new GatehouseError('server_error', 'down');
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      assert.equal((await p.getToken()).accessToken, 't1');
      await sleep(5);
    }
    // Each failure pushes the next attempt 50–100 ms out: never one attempt per call.
    const attempts = state.calls - 1;
    assert.ok(attempts >= 1 && attempts <= Math.ceil((Date.now() - started) / 50) + 1, `attempts while failing: ${attempts}`);
    assert.ok(attempts < 20);
    state.fail = undefined;
    await sleep(120);
    await p.getToken(); // past the backoff: starts a new background attempt, which now succeeds
    await sleep(10);
    assert.notEqual((await p.getToken()).accessToken, 't1', 'recovered once the source works again');
  });

  it('never hands out a token past exp minus skew: throws the typed refresh error instead', async () => {
    const { state, fetchToken } = source(300);
    const p = cachedProvider('k', fetchToken, { cache: memoryStore(), retry: fastRetry });
    await p.getToken();
    state.fail = new GatehouseError('network', 'Could not reach x');
    await sleep(300);
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
});
