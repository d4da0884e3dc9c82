// NUL characters and lone surrogates in any string parameter get a 400 in the surface's own error shape, on
// PostgreSQL (whose text type cannot hold U+0000: before, every one of these answered 500, to anonymous callers
// too) and on SQLite alike. Each place the report named: /oauth/token username and client_id, /token?default,
// /api/v1/auth/token, introspection, management creates and updates, path parameters, audit filters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { postgresSkipReason } from '../support/postgres.ts';
import { type RawReply, basic, postForm, send } from './http.ts';

// JSON can carry all three (as \u escapes); a form or a query string only the NUL (%00): a lone surrogate has no
// UTF-8 form, URLSearchParams sends U+FFFD instead, and its CESU-8 bytes (%ED%A0%80) are already invalid encoding.
const BAD = ['nul\u0000here', 'lone\ud800', '\udc00trail'];
const NUL = 'nul\u0000here';

for (const store of ['postgres', 'sqlite'] as const) {
  const skip = store === 'postgres' ? postgresSkipReason() : false;
  describe(`NUL and lone surrogates are a 400, never a 500 (${store})`, { skip }, () => {
    let gh: Gatehouse;
    let bot: BotCredentials;
    let admin: string;
    let projectId: string;
    before(async () => {
      gh = await startGatehouse({ store });
      bot = await gh.createBot({ name: 'nul-bot' });
      projectId = bot.project_id;
      admin = await gh.adminToken();
    });
    after(() => gh?.stop());

    const oauth400 = (r: RawReply, what: string) => {
      assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
      assert.equal(r.body.error, 'invalid_request', `${what}: ${r.text}`);
    };
    const api400 = (r: RawReply, what: string) => {
      assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
      assert.equal(r.body.statusCode, 400, `${what}: ${r.text}`);
    };
    const json = (method: string, path: string, body: unknown, token?: string) =>
      send(gh.url, { method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const get = (path: string, token?: string) => send(gh.url, { path, headers: token ? { authorization: `Bearer ${token}` } : {} });

    test('the OAuth endpoints and the seed aliases, anonymous callers included', async () => {
      const s = NUL;
      oauth400(await postForm(gh.url, { grant_type: 'password', username: s, password: 'x' }), 'password grant username (form)');
      oauth400(await postForm(gh.url, { grant_type: 'client_credentials', client_id: s, client_secret: 'x', audience: 'gatehouse' }), 'client_id');
      oauth400(await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: basic(s, 'x') } }), 'Basic client id');
      oauth400(await postForm(gh.url, { grant_type: 'refresh_token', refresh_token: s }), 'refresh_token');
      oauth400(await get(`/api/v1/auth/token?${new URLSearchParams({ username: s, password: 'x' })}`), 'GET /api/v1/auth/token');
      oauth400(await postForm(gh.url, { username: s, password: 'x' }, { path: '/api/v1/auth/token' }), 'POST /api/v1/auth/token');
      oauth400(await postForm(gh.url, { token: s }, { path: '/oauth/introspect', headers: { authorization: basic(bot.client_id, bot.client_secret) } }), 'introspection');
      oauth400(await postForm(gh.url, { token: s }, { path: '/oauth/revoke', headers: { authorization: basic(bot.client_id, bot.client_secret) } }), 'revocation');
      for (const b of BAD) {
        oauth400(await json('POST', '/oauth/token', { grant_type: 'password', username: b, password: 'x' }), 'username (JSON)');
        oauth400(await json('POST', '/oauth/token', { grant_type: 'client_credentials', client_id: b, client_secret: 'x', audience: 'gatehouse' }), 'client_id (JSON)');
        oauth400(await json('POST', '/token?default', { username: b, password: 'x', type: 'user_credentials' }), '/token?default');
      }
    });

    test('management creates and updates, path parameters, audit filters', async () => {
      for (const s of BAD) {
        const q = s === NUL;
        api400(await json('POST', '/api/v1/projects', { name: s }, admin), 'project create');
        api400(await json('POST', '/api/v1/users', { email: `${s}@example.com`, password: 'long enough password' }, admin), 'user create');
        api400(await json('POST', `/api/v1/projects/${projectId}/bots`, { name: s }, admin), 'bot create');
        api400(await json('POST', '/api/v1/apis', { identifier: `https://${s}`, scopes: ['read'] }, admin), 'API create');
        api400(await json('POST', `/api/v1/projects/${projectId}/members`, { email: s, role: 'viewer' }, admin), 'member invite');
        api400(await json('PUT', `/api/v1/projects/${projectId}/bots/${bot.id}/password-grant`, { enabled: true, [s]: 1 }, admin), 'a key');
        if (!q) continue;
        api400(await get(`/api/v1/projects/${encodeURIComponent(s)}`, admin), 'path parameter');
        api400(await get(`/api/v1/audit-events?${new URLSearchParams({ subject: s })}`, admin), 'audit subject filter');
        api400(await get(`/api/v1/audit-events?${new URLSearchParams({ type: s })}`, admin), 'audit type filter');
        api400(await get(`/api/v1/users/me?x=${encodeURIComponent(s)}`, admin), 'any query string');
      }
    });

    test('the same requests with ordinary text still work', async () => {
      assert.equal((await json('POST', '/api/v1/projects', { name: 'plain-😀-é' }, admin)).status, 201);
      assert.equal((await get(`/api/v1/audit-events?${new URLSearchParams({ type: 'project.created' })}`, admin)).status, 200);
    });
  });
}
