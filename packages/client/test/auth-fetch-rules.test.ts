// authFetch's retry rules, with a scripted fetch standing in for the API (the wrapped dependency).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appToken, createAuthFetch, type FetchLike, type GetTokenOptions, type Token } from '../src/index.ts';

const token = (accessToken: string): Token => ({ accessToken, tokenType: 'Bearer', issuedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });

/** An API that accepts only `good`, answering others with `reject`. Records what it was sent. */
function api(good: string, reject: () => Response) {
  const seen: Array<{ auth: string | null; body: string | null }> = [];
  const fetch: FetchLike = async (_input, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    seen.push({ auth, body: typeof init?.body === 'string' ? init.body : null });
    return auth === `Bearer ${good}` ? new Response('ok') : reject();
  };
  return { fetch, seen };
}

const dataloyExpired = () => new Response(JSON.stringify({ statusCode: 401, message: 'Token expired.' }), {
  status: 401, headers: { 'content-type': 'application/json' },
});

describe('authFetch retry rules', () => {
  it('a custom provider without invalidate gets getToken({ forceRefresh: true })', async () => {
    const calls: GetTokenOptions[] = [];
    const provider = { getToken: async (o: GetTokenOptions = {}) => { calls.push(o); return token(o.forceRefresh ? 'new' : 'old'); } };
    const { fetch, seen } = api('new', dataloyExpired);
    const response = await createAuthFetch(provider, { fetch })('https://api.example/x', { method: 'PUT', body: 'payload' });
    assert.equal(response.status, 200);
    assert.deepEqual(seen, [{ auth: 'Bearer old', body: 'payload' }, { auth: 'Bearer new', body: 'payload' }]);
    assert.equal(calls[1]?.forceRefresh, true);
  });

  it('a 401 without invalid_token or the Dataloy message is returned, not retried', async () => {
    const provider = { getToken: async () => token('old') };
    const { fetch, seen } = api('new', () => new Response('{"message":"Nope."}', { status: 401, headers: { 'content-type': 'application/json' } }));
    assert.equal((await createAuthFetch(provider, { fetch })('https://api.example/x')).status, 401);
    assert.equal(seen.length, 1);
  });

  it('a 403 insufficient_scope is not a reason to get a new token', async () => {
    const provider = { getToken: async () => token('old') };
    const { fetch, seen } = api('new', () => new Response('', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' } }));
    assert.equal((await createAuthFetch(provider, { fetch })('https://api.example/x')).status, 403);
    assert.equal(seen.length, 1);
  });

  it('a static app token is not sent twice: the 401 comes back with its body readable', async () => {
    const { fetch, seen } = api('other', () => new Response('{"statusCode":401}', {
      status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' },
    }));
    const response = await createAuthFetch(appToken('opaque'), { fetch })('https://api.example/x');
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { statusCode: 401 });
    assert.equal(seen.length, 1);
  });

  it('retries at most once', async () => {
    let n = 0;
    const provider = { getToken: async () => token(`t${++n}`), invalidate: async () => {} };
    const { fetch, seen } = api('never', dataloyExpired);
    assert.equal((await createAuthFetch(provider, { fetch })('https://api.example/x')).status, 401);
    assert.equal(seen.length, 2);
  });

  it('keeps the caller\'s headers and the signal', async () => {
    const controller = new AbortController();
    let got: RequestInit | undefined;
    const fetch: FetchLike = async (_i, init) => { got = init; return new Response('ok'); };
    await createAuthFetch({ getToken: async () => token('t') }, { fetch })('https://api.example/x', {
      headers: { 'x-trace': '7', authorization: 'Basic old' }, signal: controller.signal,
    });
    const headers = new Headers(got?.headers);
    assert.equal(headers.get('x-trace'), '7');
    assert.equal(headers.get('authorization'), 'Bearer t');
    assert.equal(got?.signal, controller.signal);
  });
});
