// On SQLite a node caches bots, APIs and grants too. Its own writes reach its caches at once; another process's
// writes (a second worker, the CLI, anyone with the file) reach them through SQLite's data_version before the next
// read. These tests warm the caches, change the rows from elsewhere, and expect the very next request to see it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';

const ask = (gh: Gatehouse, bot: BotCredentials, audience: string) =>
  gh.token({ grant_type: 'client_credentials', audience }, { basic: [bot.client_id, bot.client_secret] });

/** Another process's connection to the server's database file. */
function otherConnection(gh: Gatehouse): DatabaseSync {
  const db = new DatabaseSync(path.join(gh.dataDir, 'gatehouse.db'), { timeout: 5000 });
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

describe('SQLite: node caches and writes from another process', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse({ store: 'sqlite' });
  });
  after(() => gh.stop());

  test('a grant deleted from another process is refused on the very next request', async () => {
    const bot = await gh.createBot({ name: 'cached-grant' });
    const api = await gh.createApi({ identifier: 'https://sqlite-cache.example', scopes: ['a'] });
    await gh.grant(api.id, bot.id, ['a']);
    for (let i = 0; i < 5; i++) assert.equal((await ask(gh, bot, 'https://sqlite-cache.example')).status, 200);
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_cluster_up\{link="caches"\} 1/, 'caches are on for SQLite');

    const db = otherConnection(gh);
    try {
      assert.equal(Number(db.prepare('DELETE FROM grants WHERE api_id = ? AND bot_id = ?').run(api.id, bot.id).changes), 1);
    } finally {
      db.close();
    }
    const r = await ask(gh, bot, 'https://sqlite-cache.example');
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error, 'access_denied');
    const after = await (await fetch(`${gh.url}/metrics`)).text();
    assert.match(after, /gatehouse_cluster_changes_received_total\{source="sqlite"\} [1-9]/);
  });

  test('a reused token stops being handed out once another process deletes the bot', async () => {
    const bot = await gh.createBot({ name: 'cached-reuse' });
    const api = await gh.createApi({ identifier: 'https://sqlite-reuse.example', scopes: [], reuse_tokens: true });
    await gh.grant(api.id, bot.id, []);
    const first = await ask(gh, bot, 'https://sqlite-reuse.example');
    assert.equal((await ask(gh, bot, 'https://sqlite-reuse.example')).body.access_token, first.body.access_token, 'reused');

    const db = otherConnection(gh);
    try {
      db.prepare('DELETE FROM grants WHERE bot_id = ?').run(bot.id);
      db.prepare('DELETE FROM bots WHERE id = ?').run(bot.id);
    } finally {
      db.close();
    }
    const r = await ask(gh, bot, 'https://sqlite-reuse.example');
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_client');
  });
});

describe('SQLite with --workers 2: one worker\'s write reaches the other\'s caches', () => {
  test('after a grant is deleted through the API, no worker issues another token under it', async () => {
    const gh = await startGatehouse({ store: 'sqlite', env: { GATEHOUSE_WORKERS: '2' } });
    try {
      const bot = await gh.createBot({ name: 'two-workers' });
      const api = await gh.createApi({ identifier: 'https://workers-cache.example', scopes: [] });
      await gh.grant(api.id, bot.id, []);
      // Enough parallel requests that both workers answer some and cache the bot, the API and the grant.
      const warm = await Promise.all(Array.from({ length: 40 }, () => ask(gh, bot, 'https://workers-cache.example')));
      assert.ok(warm.every((r) => r.status === 200));
      await gh.api('DELETE', `/api/v1/apis/${api.id}/grants/${bot.id}`);
      const after = await Promise.all(Array.from({ length: 40 }, () => ask(gh, bot, 'https://workers-cache.example')));
      assert.deepEqual([...new Set(after.map((r) => r.status))], [403]);
    } finally {
      assert.equal(await gh.stop(), 0);
    }
  });
});
