// The node-local caches' rules, on a real (SQLite) store: positive entries only, writes through the store drop
// and announce what they change, a load racing an invalidation is not stored, and nothing is cached while
// notifications are not heard. Change messages from the wire are parsed defensively.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.ts';
import { NodeCache } from '../../src/cluster/node-cache.ts';
import { StoreCaches, cachedStore, layer } from '../../src/cluster/cached-store.ts';
import { type Change, parseChange } from '../../src/cluster/changes.ts';

describe('NodeCache', () => {
  test('caches what exists, never what does not, and only while enabled', async () => {
    let on = true;
    const cache = new NodeCache<{ v: number }>('t', { ttlMs: 60_000, enabled: () => on });
    let loads = 0;
    const load = async () => (loads++, { v: 1 });
    await cache.get('k', load);
    await cache.get('k', load);
    assert.equal(loads, 1);
    await cache.get('missing', async () => (loads++, undefined));
    await cache.get('missing', async () => (loads++, undefined));
    assert.equal(loads, 3, 'no negative entries');
    on = false;
    await cache.get('k', load);
    assert.equal(loads, 4, 'bypassed while disabled');
    assert.deepEqual(cache.stats, { hit: 1, miss: 3, bypass: 1 });
  });

  test('a load that started before an invalidation is not stored', async () => {
    const cache = new NodeCache<{ v: number }>('t', { ttlMs: 60_000, enabled: () => true });
    let release!: () => void;
    const slow = cache.get('k', () => new Promise((r) => (release = () => r({ v: 1 }))));
    cache.delete('k'); // the row changed while the read was on its way
    release();
    assert.deepEqual(await slow, { v: 1 });
    let loads = 0;
    await cache.get('k', async () => (loads++, { v: 2 }));
    assert.equal(loads, 1, 'the racing value was not cached');
  });

  test('cached values are frozen, so one caller cannot change another caller’s copy', async () => {
    const cache = new NodeCache<{ scopes: string[] }>('t', { ttlMs: 60_000, enabled: () => true });
    await cache.get('k', async () => ({ scopes: ['a'] }));
    const v = (await cache.get('k', async () => undefined))!;
    assert.throws(() => v.scopes.push('b'));
  });
});

describe('parseChange', () => {
  test('reads the trigger payloads and turns anything unexpected into "drop everything"', () => {
    assert.deepEqual(parseChange('{"t":"bots","op":"delete","id":"b1","email":"x@bots.y"}'), { t: 'bots', op: 'delete', id: 'b1', email: 'x@bots.y' });
    assert.deepEqual(parseChange('{"t":"grants","op":"update","api_id":"a","bot_id":"b"}'), { t: 'grants', op: 'update', api_id: 'a', bot_id: 'b' });
    assert.deepEqual(parseChange('{"t":"signing_keys","op":"update"}'), { t: 'signing_keys' });
    assert.deepEqual(parseChange('not json'), { t: 'all' });
    assert.deepEqual(parseChange('{"t":"users"}'), { t: 'all' });
    assert.deepEqual(parseChange('null'), { t: 'all' });
  });
});

describe('cachedStore over a real store', () => {
  let dir: string;
  let raw: Store;
  let store: Store;
  let caches: StoreCaches;
  const announced: Change[] = [];
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-caches-'));
    raw = await openStore({ dataDir: dir });
    caches = new StoreCaches({ ttlMs: 60_000, enabled: () => true });
    store = cachedStore(raw, caches, (c) => announced.push(c));
  });
  after(async () => {
    await raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reads are served from the caches; writes through the store drop them here and are announced', async () => {
    const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h' });
    const p = await store.projects.create('p', owner.id);
    const bot = await store.bots.create({ projectId: p.id, name: 'b', email: 'b.1@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
    const api = await store.apis.create({ identifier: 'https://api.test', name: 'api', scopes: ['read'] });
    await store.apis.putGrant(api.id, bot.id, ['read']);
    assert.deepEqual(announced.map((c) => c.t), ['grants'], 'creations need no announcement; a grant may replace one');

    for (let i = 0; i < 3; i++) {
      assert.equal((await store.bots.findByEmail(' B.1@bots.test'))?.id, bot.id);
      assert.equal((await store.apis.findByIdentifier('https://api.test'))?.id, api.id);
      assert.deepEqual((await store.apis.getGrant(api.id, bot.id))?.scopes, ['read']);
    }
    assert.equal(caches.bots.stats.hit, 2);
    assert.equal(caches.grants.stats.hit, 2);

    await store.bots.rotateSecret(bot.id, 'C', 'ghb_C', null);
    assert.equal((await store.bots.findByEmail('b.1@bots.test'))?.secretHash, 'C', 'the new secret is seen at once');
    await store.apis.deleteGrant(api.id, bot.id);
    assert.equal(await store.apis.getGrant(api.id, bot.id), undefined);
    await store.bots.delete(bot.id);
    assert.equal(await store.bots.findByEmail('b.1@bots.test'), undefined);
    assert.deepEqual(announced.slice(1), [
      { t: 'bots', id: bot.id },
      { t: 'grants', api_id: api.id, bot_id: bot.id },
      { t: 'bots', id: bot.id },
    ]);
  });

  test('deleting a project drops everything (its bots go with it)', async () => {
    const owner = await store.users.create({ email: 'o2@example.com', passwordHash: 'h' });
    const p = await store.projects.create('p2', owner.id);
    await store.bots.create({ projectId: p.id, name: 'b', email: 'b.2@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
    assert.ok(await store.bots.findByEmail('b.2@bots.test'));
    assert.equal(caches.bots.size, 1);
    await store.projects.delete(p.id);
    assert.equal(caches.bots.size, 0);
    assert.equal(await store.bots.findByEmail('b.2@bots.test'), undefined);
    assert.deepEqual(announced.at(-1), { t: 'all' });
  });

  test('a change heard from another node drops the named rows only', async () => {
    const owner = await store.users.create({ email: 'o3@example.com', passwordHash: 'h' });
    const p = await store.projects.create('p3', owner.id);
    const x = await store.bots.create({ projectId: p.id, name: 'x', email: 'x.3@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
    const y = await store.bots.create({ projectId: p.id, name: 'y', email: 'y.3@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
    await store.bots.findByEmail(x.email);
    await store.bots.findById(x.id);
    await store.bots.findByEmail(y.email);
    assert.equal(caches.bots.size, 3);
    caches.apply(parseChange(JSON.stringify({ t: 'bots', op: 'update', id: x.id, email: x.email })));
    assert.equal(caches.bots.size, 1, 'both entries of x are gone, y stays');
  });

  test('a method the layer does not name is a plain read: it goes straight through and announces nothing', async () => {
    const owner = await store.users.create({ email: 'o4@example.com', passwordHash: 'h' });
    const p = await store.projects.create('p4', owner.id);
    const bot = await store.bots.create({ projectId: p.id, name: 'z', email: 'z.4@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
    const api = await store.apis.create({ identifier: 'https://api4.test', name: 'api4', scopes: ['read'] });
    const before = announced.length;
    assert.equal((await store.bots.list(p.id)).length, 1);
    assert.deepEqual(await store.apis.listGrants(api.id), []);
    await store.revocations.deleteExpired(Date.now());
    await store.projects.members(p.id);
    assert.equal(announced.length, before, 'reads announce nothing');
    assert.ok(await store.bots.findById(bot.id));
  });

  test('only the methods named as writes announce; any other method (a new one too) is a read', async () => {
    class Repo {
      readonly #rows = ['a'];
      async list(): Promise<string[]> {
        return this.#rows;
      }
      async addedLater(): Promise<number> {
        return this.#rows.length;
      }
      async remove(id: string): Promise<void> {
        if (id === 'boom') throw new Error('failed after the commit');
      }
    }
    const seen: Change[] = [];
    const layered = layer(new Repo(), {}, { remove: (id) => ({ t: 'bots', id }) }, (c) => seen.push(c));
    assert.deepEqual(await layered.list(), ['a']);
    assert.equal(await layered.addedLater(), 1);
    assert.deepEqual(seen, []);
    await layered.remove('x');
    await assert.rejects(layered.remove('boom'));
    assert.deepEqual(seen, [{ t: 'bots', id: 'x' }, { t: 'bots', id: 'boom' }], 'a failed write still announces (it may have committed)');
  });
});
