// Issue 14's first list, one test per bullet, on SQLite and PostgreSQL: each failed before the authorization
// model (scopes given, never taken) and passes with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { postgresSkipReason } from '../support/postgres.ts';
import { assertError, call, login, newUser } from '../management/http.ts';
import { decode } from '../support/jwt.ts';

const UNREGISTERED = 'https://unregistered.example';

for (const store of ['sqlite', 'postgres'] as const) {
  const skip = store === 'postgres' ? postgresSkipReason() : false;
  describe(`issue 14 reproductions on ${store}`, { skip }, () => {
    let gh: Gatehouse;
    before(async () => {
      gh = await startGatehouse({ store, env: { GATEHOUSE_DEFAULT_AUDIENCE: `gatehouse,${UNREGISTERED}` } });
    });
    after(() => gh?.stop());

    test('a user in no project gets no scope of an API: access_denied, not datasets:write', async () => {
      await gh.createApi({ identifier: 'https://api.example', scopes: ['datasets:read', 'datasets:write', 'admin:all'] });
      const u = await newUser(gh, 'nobody');
      const r = await gh.token({ grant_type: 'password', username: u.email, password: u.password, audience: 'https://api.example' });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.error, 'access_denied');
      // The administrator gets nothing on it either, for being an administrator.
      const a = await gh.token({ grant_type: 'password', username: gh.admin.email, password: gh.admin.password, audience: 'https://api.example' });
      assert.equal(a.body.error, 'access_denied');
    });

    test("a project owner cannot grant their bot scopes on someone else's API, nor list other APIs", async () => {
      const foreign = await gh.createApi({ identifier: 'https://foreign.example', scopes: ['read', 'admin:all'] });
      const mallory = await newUser(gh, 'mallory');
      const p = await gh.api('POST', '/api/v1/projects', { name: 'mallory' }, mallory.token);
      const bot = await gh.api('POST', `/api/v1/projects/${p.id}/bots`, { name: 'm' }, mallory.token);
      const put = await call(gh, 'PUT', `/api/v1/apis/${foreign.id}/grants/${bot.id}`, { token: mallory.token, body: { scopes: ['admin:all'] } });
      assertError(put, 404, /API not found/);
      const cc = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://foreign.example' });
      assert.equal(cc.status, 403);
      assert.equal(cc.body.error, 'access_denied');
      const listed = await gh.api('GET', '/api/v1/apis', undefined, mallory.token);
      assert.deepEqual(listed, [], 'a user of no API sees none');
    });

    test('an app token minted with "scopes": [] is an identity only', async () => {
      const u = await newUser(gh, 'apptoken');
      const minted = await gh.api('POST', '/api/v1/app-tokens', { name: 'identity', scopes: [] }, u.token);
      assertError(await call(gh, 'POST', '/api/v1/projects', { token: minted.token, body: { name: 'x' } }), 403, /projects:write/);
      assertError(await call(gh, 'GET', '/api/v1/projects', { token: minted.token }), 403, /projects:read/);
      assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: minted.token })).status, 200);
    });

    test("a developer cannot rotate the secret of a bot the owners created", async () => {
      const owner = await newUser(gh, 'owner');
      const dev = await newUser(gh, 'dev');
      const p = await gh.api('POST', '/api/v1/projects', { name: 'rotations' }, owner.token);
      await gh.api('POST', `/api/v1/projects/${p.id}/members`, { email: dev.email, role: 'developer' }, owner.token);
      const devToken = await login(gh, dev.email, dev.password); // the invitation becomes a membership at sign-in
      const ownersBot = await gh.api('POST', `/api/v1/projects/${p.id}/bots`, { name: 'owners' }, owner.token);
      assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/bots/${ownersBot.id}/rotate-secret`, { token: devToken }), 403, /only the bots they created/);
      // Their own bot they may rotate.
      const own = await gh.api('POST', `/api/v1/projects/${p.id}/bots`, { name: 'devs' }, devToken);
      assert.equal((await call(gh, 'POST', `/api/v1/projects/${p.id}/bots/${own.id}/rotate-secret`, { token: devToken })).status, 200);
    });

    test('no existence oracles: another project\'s bot and a missing one, a registered address and an unknown one', async () => {
      const api = await gh.createApi({ identifier: 'https://oracle.example', scopes: ['read'] });
      const owner = await newUser(gh, 'oracle-owner');
      const p = await gh.api('POST', '/api/v1/projects', { name: 'oracle' }, owner.token);
      await gh.access(api.id, p.id, ['read']);
      const otherBot = await gh.createBot();
      const strip = (r: { status: number; body: any }) => ({ status: r.status, message: r.body?.message });
      const theirs = await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${otherBot.id}`, { token: owner.token, body: { scopes: ['read'] } });
      const missing = await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/no-such-bot`, { token: owner.token, body: { scopes: ['read'] } });
      assert.deepEqual(strip(theirs), strip(missing));
      assert.equal(theirs.status, 404);
      const registered = await newUser(gh, 'registered');
      const a = await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: registered.email, role: 'viewer' } });
      const b = await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: `nobody-${process.pid}@example.com`, role: 'viewer' } });
      assert.equal(a.status, 201);
      assert.equal(b.status, a.status);
      assert.deepEqual(Object.keys(a.body).sort(), Object.keys(b.body).sort());
      assert.equal(a.body.status, 'invited');
      assert.equal(b.body.status, 'invited');
    });

    test('a default audience that is not a registered API is not issued to a bot without a grant', async () => {
      const bot = await gh.createBot();
      const r = await fetch(`${gh.url}/token?default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: bot.email, password: bot.password, type: 'user_credentials' }) });
      assert.equal(r.status, 200);
      const aud = decode((await r.json()).access_token).payload.aud;
      assert.ok(!([aud].flat() as string[]).includes(UNREGISTERED), `aud ${JSON.stringify(aud)} names an unregistered API`);
    });
  });
}
