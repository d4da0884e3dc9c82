import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { botLogin, clientCredentials, GatehouseError, memoryStore, type GatehouseErrorCode } from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';
import { eventually } from '../../../test/support/eventually.ts';

const rejectsWith = (promise: Promise<unknown>, code: GatehouseErrorCode, status?: number) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GatehouseError, `expected a GatehouseError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (status !== undefined) assert.equal(error.status, status);
    return true;
  });

suite('typed errors and signals', (kind) => {
  let f: Fixture;
  before(async () => { f = await startFixture(kind); });
  after(() => f?.close());

  const cc = (overrides: Partial<Parameters<typeof clientCredentials>[0]> = {}) => clientCredentials({
    issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience,
    cache: memoryStore(), ...overrides,
  });

  it('both client authentication methods work', async () => {
    assert.ok((await cc({ authMethod: 'client_secret_basic' }).getToken()).accessToken);
    const post = await cc({ authMethod: 'client_secret_post', scope: ['read'] }).getToken();
    assert.equal(post.tokenType.toLowerCase(), 'bearer');
    assert.ok(post.expiresAt > Date.now() + 3_600_000);
  });

  it('wrong secret → invalid_client (401)', () => rejectsWith(cc({ clientSecret: 'ghb_wrong' }).getToken(), 'invalid_client', 401));
  it('unknown audience → invalid_target', () => rejectsWith(cc({ audience: 'https://nowhere.example' }).getToken(), 'invalid_target', 400));
  it('scope not granted → invalid_scope', () => rejectsWith(cc({ scope: 'admin' }).getToken(), 'invalid_scope', 400));
  it('wrong bot password → invalid_grant', () =>
    rejectsWith(botLogin({ issuer: f.issuer, email: f.bot.email, password: 'wrong', cache: memoryStore() }).getToken(), 'invalid_grant', 400));

  it('a token request slower than timeoutMs → timeout', async () => {
    f.wire.tokenDelayMs = 400;
    try {
      await rejectsWith(cc({ timeoutMs: 100, retry: { attempts: 1 } }).getToken(), 'timeout');
    } finally {
      f.wire.tokenDelayMs = 0;
    }
  });

  it('aborting a slow token request → aborted, without waiting for the server', async () => {
    const release = f.wire.holdTokens();
    try {
      const answered = f.wire.tokenRequests().length;
      const abort = new AbortController();
      const pending = cc().getToken({ signal: abort.signal });
      await eventually(() => f.wire.tokensHeld === 1, { message: 'the token request reached the server' });
      abort.abort();
      await rejectsWith(pending, 'aborted');
      assert.equal(f.wire.tokensHeld, 1, 'the server still holds the request: the abort did not wait for it');
      assert.equal(f.wire.tokenRequests().length, answered, 'no answer came before the rejection');
    } finally {
      release();
    }
  });
});

describe('option validation', () => {
  it('fails at construction, not at the first request', () => {
    const base = { issuer: 'https://gatehouse.example', clientId: 'bot@example', clientSecret: 's' };
    assert.throws(() => clientCredentials(base), /audience/);
    assert.throws(() => clientCredentials({ ...base, audience: 'a', issuer: 'gatehouse.example' }), /issuer/);
    assert.throws(() => clientCredentials({ ...base, audience: 'a', clientSecret: '' }), /clientSecret/);
    assert.throws(() => clientCredentials({ ...base, audience: 'a', refreshRatio: 2 }), RangeError);
    assert.throws(() => botLogin({ issuer: 'https://gatehouse.example', email: '', password: 'x' }), /email/);
  });
});
