import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { botLogin, createAuthFetch, memoryStore } from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

suite('refresh-token rotation (botLogin)', (kind) => {
  let f: Fixture;
  before(async () => { f = await startFixture(kind); });
  after(() => f?.close());

  it('follows the rotation across many refreshes: one password login, then only fresh refresh tokens', async () => {
    const p = botLogin({ issuer: f.issuer, email: f.bot.email, password: f.bot.password, cache: memoryStore() });
    const start = f.wire.records.length;
    const first = await p.getToken();
    assert.ok(first.refreshToken, 'the password grant returns a refresh token');
    const seen = new Set<string>([first.accessToken]);
    for (let i = 0; i < 25; i++) {
      const token = await p.getToken({ forceRefresh: true });
      assert.ok(!seen.has(token.accessToken), 'each refresh brings a new access token');
      seen.add(token.accessToken);
    }
    const onWire = f.wire.records.slice(start).filter((r) => r.path === '/oauth/token');
    assert.equal(onWire.filter((r) => r.grantType === 'password').length, 1, 'never fell back to the password');
    const refreshes = onWire.filter((r) => r.grantType === 'refresh_token');
    assert.equal(refreshes.length, 25);
    assert.ok(refreshes.every((r) => r.status === 200), 'every refresh accepted');
    assert.equal(new Set(refreshes.map((r) => r.refreshToken)).size, 25, 'no refresh token sent twice');
  });

  it('when the refresh-token family is revoked (reuse detected), logs in with the password again', async () => {
    const p = botLogin({ issuer: f.issuer, email: f.bot.email, password: f.bot.password, cache: memoryStore() });
    const spent = (await p.getToken()).refreshToken!;
    await p.getToken({ forceRefresh: true }); // rotates: `spent` is now spent
    // Someone replays the spent token: the server revokes the whole family, including the provider's live one.
    const replay = await fetch(`${f.backend.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: spent }),
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
    const passwordLogins = f.wire.tokenRequests('password').length;
    const token = await p.getToken({ forceRefresh: true });
    assert.ok(token.refreshToken);
    assert.equal(f.wire.tokenRequests('password').length, passwordLogins + 1);
  });

  it('a user password login works with authFetch too (NOMAD Auth(user, password))', async () => {
    const email = `user-${randomUUID().slice(0, 8)}@example.com`;
    await f.backend.createUser({ email, password: 'correct horse battery staple' });
    const authFetch = createAuthFetch(botLogin({ issuer: f.issuer, email, password: 'correct horse battery staple', cache: memoryStore() }));
    assert.equal((await authFetch(`${f.resource.url}/uploads`)).status, 200);
  });
});
