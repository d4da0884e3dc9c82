// The management API on PostgreSQL (the shared store of many nodes): members and the last-owner guard under
// real concurrency, app tokens, audit paging, key rotation, and the CLI with --database-url.
// Skipped, loudly, without GATEHOUSE_TEST_DATABASE_URL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { postgresSkipReason } from '../support/postgres.ts';
import { openStore } from '../../src/store/index.ts';
import { assertError, call, login, newUser } from './http.ts';

const skip = postgresSkipReason();
if (skip) process.stderr.write(`\n!! ${skip} (management API on PostgreSQL)\n\n`);
const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

describe('management API on PostgreSQL', { skip }, () => {
  let gh: Gatehouse;
  let databaseUrl: string;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let carol: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    gh = await startGatehouse({ store: 'postgres' });
    databaseUrl = /--database-url (\S+)/.exec(gh.process.spawnargs.join(' '))?.[1] ?? '';
    assert.match(databaseUrl, /^postgres/);
    owner = await newUser(gh, 'pg-owner');
    carol = await newUser(gh, 'pg-carol');
  });
  after(() => gh.stop());

  test('members: add, change, and never lose the last owner', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'pg' } })).body;
    assert.equal((await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email, role: 'viewer' } })).status, 201);
    // Inviting again changes the pending invitation; once carol signed in she is a member, and that is a conflict.
    assert.equal((await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email, role: 'viewer' } })).status, 201);
    await login(gh, carol.email, carol.password);
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email, role: 'viewer' } }), 409);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: owner.token, body: { role: 'viewer' } }), 409, /last owner/);
    assert.equal((await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token, body: { role: 'owner' } })).status, 200);
    assert.equal((await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: carol.token })).status, 204);
  });

  test('the store\'s guard holds under concurrent demotions (row lock on the project)', async () => {
    const store = await openStore({ databaseUrl, dataDir: '/nonexistent' });
    try {
      for (let round = 0; round < 10; round++) {
        const p = await store.projects.create(`race-${round}`, owner.id);
        await store.projects.addMember(p.id, 'user', carol.id, 'owner');
        const results = await Promise.all([
          store.projects.changeMember(p.id, 'user', owner.id, round % 2 ? undefined : 'viewer'),
          store.projects.changeMember(p.id, 'user', carol.id, 'developer'),
        ]);
        assert.deepEqual([...results].sort(), ['last_owner', 'ok'], `round ${round}: ${results.join(', ')}`);
        assert.equal(await store.projects.ownerCount(p.id), 1);
      }
    } finally {
      await store.close();
    }
  });

  test('app tokens: mint, list, use, revoke', async () => {
    const t = await call(gh, 'POST', '/api/v1/app-tokens', { token: owner.token, body: { name: 'pg', expires_in: 120 } });
    assert.equal(t.status, 201);
    assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: t.body.token })).status, 200);
    assert.ok((await call(gh, 'GET', '/api/v1/app-tokens', { token: owner.token })).body.some((x: any) => x.id === t.body.id));
    assert.equal((await call(gh, 'DELETE', `/api/v1/app-tokens/${t.body.id}`, { token: owner.token })).status, 204);
    assertError(await call(gh, 'GET', '/api/v1/users/me', { token: t.body.token }), 401, /revoked/);
  });

  test('audit paging walks every event once; key rotation is recorded', async () => {
    const admin = await gh.adminToken();
    const r = await call(gh, 'POST', '/api/v1/keys/rotate', { token: admin });
    assert.equal(r.status, 200);
    const all = (await call(gh, 'GET', '/api/v1/audit-events?limit=200', { token: admin })).body.events.map((e: any) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await call(gh, 'GET', `/api/v1/audit-events?limit=4${cursor ? `&cursor=${cursor}` : ''}`, { token: admin })).body;
      seen.push(...page.events.map((e: any) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen.slice(0, all.length), all);
    assert.ok((await call(gh, 'GET', '/api/v1/audit-events?type=key.rotated', { token: admin })).body.events.length >= 1);
  });

  test('the CLI works on the PostgreSQL store with --database-url, beside a running node', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'cli-pg' } })).body;
    const r = spawnSync(process.execPath, [BIN, 'bots', 'create', 'pg-bot', '--project', p.id, '--database-url', databaseUrl, '--json'], {
      env: { PATH: process.env.PATH ?? '', GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString('hex') },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const bot = JSON.parse(r.stdout);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'gatehouse' });
    assert.equal(t.status, 200, 'the running node accepts a bot the CLI wrote to the shared store');
  });
});
