// The three seed flows, written as the README shows them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import {
  appToken, botLogin, clearDiscoveryCache, clientCredentials, createAuthFetch, memoryStore, passwordLogin, requestAppToken,
} from '../src/index.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

suite('seed flows', (kind) => {
  let f: Fixture;
  before(async () => { f = await startFixture(kind); });
  after(() => f?.close());

  it('Dataloy: client credentials with an audience; a 24 h token reused across calls', async () => {
    const provider = clientCredentials({
      issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience, cache: memoryStore(),
    });
    const authFetch = createAuthFetch(provider);
    const before = f.wire.tokenRequests().length;
    for (let i = 0; i < 5; i++) assert.equal((await authFetch(`${f.resource.url}/ws/rest/Cargo`)).status, 200);
    assert.equal(f.wire.tokenRequests().length - before, 1);
    const { expiresAt } = await provider.getToken();
    assert.ok(expiresAt - Date.now() > 23 * 3_600_000);
  });

  it('Dataloop: bot M2M login with email and password', async () => {
    const provider = botLogin({ issuer: f.issuer, email: f.bot.email, password: f.bot.password, cache: memoryStore() });
    assert.equal((await createAuthFetch(provider)(`${f.resource.url}/api/v1/projects/1`)).status, 200);
    assert.ok((await provider.getToken()).refreshToken);
  });

  it('NOMAD: user password login, then an app token with a chosen expiry', async () => {
    const email = `user-${randomUUID().slice(0, 8)}@example.com`;
    await f.backend.createUser({ email, password: 'tr0ub4dor&3' });
    const user = passwordLogin({ issuer: f.issuer, username: email, password: 'tr0ub4dor&3', cache: memoryStore() });
    const minted = await requestAppToken(user, { issuer: f.issuer, expiresIn: 3600 });
    assert.ok(Math.abs(minted.expiresAt - Date.now() - 3_600_000) < 60_000);
    const app = appToken(minted.accessToken);
    assert.equal((await createAuthFetch(app)(`${f.resource.url}/uploads`)).status, 200);
    await assert.rejects(requestAppToken(user, { issuer: f.issuer, expiresIn: 10 * 365 * 86400 }), /maximum/);
  });

  it('discovery: one request per issuer, however many providers', async () => {
    const discovery = () => f.wire.records.filter((r) => r.path === '/.well-known/openid-configuration').length;
    clearDiscoveryCache();
    const before = discovery();
    const providers = Array.from({ length: 5 }, (_, i) => clientCredentials({
      issuer: f.issuer, clientId: f.bot.client_id, clientSecret: f.bot.client_secret, audience: f.audience,
      scope: i % 2 ? 'read' : 'write', cache: memoryStore(),
    }));
    await Promise.all(providers.map((p) => p.getToken()));
    assert.equal(discovery() - before, 1);
  });
});
