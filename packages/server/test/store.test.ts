// One storage contract suite, run on {SQLite, PostgreSQL (when GATEHOUSE_TEST_DATABASE_URL is set)} × {the plain
// store, the cached store production uses (cluster/cached-store.ts)}: the caches must never change what a caller sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../src/store/index.ts';
import { RefreshTokenRepository } from '../src/store/refresh-tokens.ts';
import { StoreCaches, cachedStore } from '../src/cluster/cached-store.ts';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from './support/postgres.ts';

const backends: { name: string; skip: string | false; open: () => Promise<{ store: Store; cleanup: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-store-'));
      const store = await openStore({ dataDir: dir });
      return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: postgresSkipReason(),
    async open() {
      const db: TestDatabase = await createTestDatabase();
      const store = await openStore({ dataDir: os.tmpdir(), databaseUrl: db.url });
      return { store, cleanup: () => db.drop() };
    },
  },
];

const layers: { name: string; wrap: (store: Store) => Store }[] = [
  { name: 'plain', wrap: (store) => store },
  { name: 'cached', wrap: (store) => cachedStore(store, new StoreCaches({ ttlMs: 60_000, enabled: () => true }), () => undefined) },
];

for (const backend of backends) {
  if (backend.skip) console.warn(`\n*** store suite on ${backend.name}: ${backend.skip} ***\n`);
  for (const layer of layers) describe(`store on ${backend.name} (${layer.name})`, { skip: backend.skip }, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      const opened = await backend.open();
      store = layer.wrap(opened.store);
      cleanup = opened.cleanup;
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    test('users: create, find by normalized email, unique email, password change', async () => {
      const u = await store.users.create({ email: ' Alice@Example.COM ', passwordHash: 'h1', name: 'Alice' });
      assert.equal(u.email, 'alice@example.com');
      assert.equal((await store.users.findByEmail('ALICE@example.com'))?.id, u.id);
      await assert.rejects(store.users.create({ email: 'alice@example.com', passwordHash: 'x' }));
      await store.users.setPassword(u.id, 'h2');
      assert.equal((await store.users.findById(u.id))?.passwordHash, 'h2');
      assert.ok((await store.users.count()) >= 1);
    });

    test('projects and members: owner on create, roles, listing, removal', async () => {
      const owner = await store.users.create({ email: 'owner@example.com', passwordHash: 'h' });
      const dev = await store.users.create({ email: 'dev@example.com', passwordHash: 'h' });
      const p = await store.projects.create('myProject', owner.id);
      assert.equal(await store.projects.roleOf(p.id, 'user', owner.id), 'owner');
      await store.projects.addMember(p.id, 'user', dev.id, 'viewer');
      assert.equal(await store.projects.setRole(p.id, 'user', dev.id, 'developer'), true);
      assert.equal(await store.projects.roleOf(p.id, 'user', dev.id), 'developer');
      assert.deepEqual((await store.projects.listFor('user', dev.id)).map((x) => x.id), [p.id]);
      assert.equal((await store.projects.members(p.id)).length, 2);
      assert.equal(await store.projects.ownerCount(p.id), 1);
      assert.equal(await store.projects.removeMember(p.id, 'user', dev.id), true);
      assert.equal(await store.projects.roleOf(p.id, 'user', dev.id), undefined);
    });

    test('bots: unique name per project, membership, secret rotation with grace, deletion', async () => {
      const owner = await store.users.create({ email: 'botowner@example.com', passwordHash: 'h' });
      const p = await store.projects.create('bots', owner.id);
      const b = await store.bots.create({ projectId: p.id, name: 'ingest', email: 'ingest.1@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
      await assert.rejects(store.bots.create({ projectId: p.id, name: 'ingest', email: 'ingest.2@bots.test', secretHash: 'B', secretPrefix: 'ghb_B', role: 'developer' }));
      assert.equal(await store.projects.roleOf(p.id, 'bot', b.id), 'developer');
      assert.ok((await store.projects.members(p.id)).some((m) => m.type === 'bot' && m.id === b.id));
      await store.bots.rotateSecret(b.id, 'C', 'ghb_C', Date.now() + 60_000);
      const r = await store.bots.findByEmail('INGEST.1@bots.test');
      assert.equal(r?.secretHash, 'C');
      assert.equal(r?.previousSecretHash, 'A');
      await store.bots.rotateSecret(b.id, 'D', 'ghb_D', null);
      assert.equal((await store.bots.findById(b.id))?.previousSecretHash, null);
      assert.equal(await store.bots.delete(b.id), true);
      assert.equal(await store.bots.findById(b.id), undefined);
      assert.equal(await store.projects.roleOf(p.id, 'bot', b.id), undefined);
    });

    test('client keys, jwks_uri, the assertion jti table, the secret switch', async () => {
      const owner = await store.users.create({ email: 'keyowner@example.com', passwordHash: 'h' });
      const p = await store.projects.create('keys', owner.id);
      const b = await store.bots.create({ projectId: p.id, name: 'signer', email: 'signer.1@bots.test', secretHash: 'A', secretPrefix: 'ghb_A', role: 'developer' });
      const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256' };
      await store.clientKeys.add({ clientId: b.email, kid: 'k1', alg: 'ES256', jwk, expiresAt: null }, 1000);
      await assert.rejects(store.clientKeys.add({ clientId: b.email, kid: 'k1', alg: 'ES256', jwk, expiresAt: null }, 1001));
      await store.clientKeys.add({ clientId: b.email, kid: 'k2', alg: 'ES256', jwk: { ...jwk, kid: 'k2' }, expiresAt: 5000 }, 1002);
      assert.deepEqual((await store.clientKeys.list(b.email)).map((k) => [k.kid, k.expiresAt, k.jwk.kid]), [['k1', null, 'k1'], ['k2', 5000, 'k2']]);
      assert.equal(await store.clientKeys.remove(b.email, 'k2'), true);
      assert.equal(await store.clientKeys.remove(b.email, 'k2'), false);
      await store.clientKeys.setJwksUri(b.email, 'https://keys.example/a', 1);
      await store.clientKeys.setJwksUri(b.email, 'https://keys.example/b', 2);
      assert.equal(await store.clientKeys.jwksUri(b.email), 'https://keys.example/b');
      await store.clientKeys.removeClient(b.email);
      assert.deepEqual(await store.clientKeys.list(b.email), []);
      assert.equal(await store.clientKeys.jwksUri(b.email), undefined);
      // A jti is taken once until it expires; an expired row does not make a new use look like a replay.
      assert.equal(await store.assertionJtis.use('j1', 2000, 1000), true);
      assert.equal(await store.assertionJtis.use('j1', 2000, 1500), false);
      assert.equal(await store.assertionJtis.use('j1', 4000, 2500), true);
      const racers = await Promise.all(Array.from({ length: 6 }, () => store.assertionJtis.use('j2', 9000, 1000)));
      assert.equal(racers.filter(Boolean).length, 1);
      assert.ok((await store.assertionJtis.deleteExpired(10_000)) >= 2);
      assert.equal((await store.bots.findById(b.id))?.secretEnabled, true);
      await store.bots.disableSecret(b.id);
      assert.equal((await store.bots.findById(b.id))?.secretEnabled, false);
      await store.bots.rotateSecret(b.id, 'B', 'ghb_B', null);
      assert.equal((await store.bots.findByEmail(b.email))?.secretEnabled, true);
    });

    test('apis and grants', async () => {
      const a = await store.apis.create({ identifier: 'https://dataloy', name: 'Dataloy', scopes: ['a', 'b'], tokenLifetime: 600 });
      await assert.rejects(store.apis.create({ identifier: 'https://dataloy', name: 'again', scopes: [] }));
      assert.deepEqual((await store.apis.findByIdentifier('https://dataloy'))?.scopes, ['a', 'b']);
      const owner = await store.users.create({ email: 'g@example.com', passwordHash: 'h' });
      const p = await store.projects.create('g', owner.id);
      const b = await store.bots.create({ projectId: p.id, name: 'g', email: 'g.1@bots.test', secretHash: 'x', secretPrefix: 'x', role: 'developer' });
      await store.apis.putGrant(a.id, b.id, ['a']);
      await store.apis.putGrant(a.id, b.id, ['a', 'b']);
      assert.deepEqual((await store.apis.getGrant(a.id, b.id))?.scopes, ['a', 'b']);
      assert.equal((await store.apis.update(a.id, { reuseTokens: true }))?.reuseTokens, true);
      assert.equal(await store.apis.deleteGrant(a.id, b.id), true);
      assert.equal(await store.apis.getGrant(a.id, b.id), undefined);
    });

    const newToken = (hash: string, family?: string) => ({
      tokenHash: hash,
      ...(family ? { familyId: family } : {}),
      subjectType: 'user' as const,
      subjectId: 'u1',
      clientId: 'c1',
      audience: ['gatehouse'],
      scope: 'openid',
      expiresAt: Date.now() + 60_000,
      familyExpiresAt: Date.now() + 120_000,
    });

    test('refresh tokens: rotation, reuse revokes the family, expiry', async () => {
      const t = await store.refreshTokens.insert(newToken('h-1'));
      const r1 = await store.refreshTokens.rotate('h-1', Date.now(), () => newToken('h-2'));
      assert.equal(r1.outcome, 'rotated');
      const reuse = await store.refreshTokens.rotate('h-1', Date.now(), () => newToken('h-3'));
      assert.equal(reuse.outcome, 'reused');
      assert.equal((await store.refreshTokens.findByHash('h-2'))?.status, 'revoked');
      assert.equal((await store.refreshTokens.rotate('h-2', Date.now(), () => newToken('h-4'))).outcome, 'invalid');
      assert.equal((await store.refreshTokens.rotate('missing', Date.now(), () => newToken('h-5'))).outcome, 'invalid');
      const usable = await store.refreshTokens.usableCountByFamily(Date.now());
      assert.equal(usable.get(t.familyId), 0);
      await store.refreshTokens.insert({ ...newToken('h-exp'), expiresAt: Date.now() - 1 });
      assert.equal((await store.refreshTokens.rotate('h-exp', Date.now(), () => newToken('h-6'))).outcome, 'invalid');
    });

    test('refresh tokens: grace (a spent token reissued inside its window, reuse after it) and extend (rotation off)', async () => {
      const now = Date.now();
      const t = await store.refreshTokens.insert(newToken('g-1'));
      assert.equal((await store.refreshTokens.rotate('g-1', now, () => newToken('g-2'), { graceMs: 1000 })).outcome, 'rotated');
      assert.equal((await store.refreshTokens.findByHash('g-1'))?.usedAt, now);
      const again = await store.refreshTokens.rotate('g-1', now + 1000, () => newToken('g-3'), { graceMs: 1000 });
      assert.equal(again.outcome, 'reissued');
      assert.equal((await store.refreshTokens.findByHash('g-3'))?.familyId, t.familyId);
      assert.equal((await store.refreshTokens.rotate('g-1', now + 1001, () => newToken('g-4'), { graceMs: 1000 })).outcome, 'reused', 'past the window');
      for (const h of ['g-2', 'g-3']) assert.equal((await store.refreshTokens.findByHash(h))?.status, 'revoked');
      assert.equal((await store.refreshTokens.rotate('g-1', now + 10, () => newToken('g-5'), { graceMs: 1000 })).outcome, 'invalid', 'a revoked family gets no grace');

      await store.refreshTokens.insert(newToken('x-1'));
      const extended = await store.refreshTokens.extend('x-1', now, now + 90_000);
      assert.equal(extended?.expiresAt, now + 90_000);
      assert.equal(extended?.status, 'active');
      assert.equal(await store.refreshTokens.extend('x-1', now + 90_000, now + 100_000), undefined, 'idle-expired');
      await store.refreshTokens.insert(newToken('x-2'));
      assert.equal(await store.refreshTokens.extend('x-2', now + 120_000, now + 130_000), undefined, 'past the family lifetime');
      const x3 = await store.refreshTokens.insert(newToken('x-3'));
      await store.refreshTokens.revokeFamily(x3.familyId);
      assert.equal(await store.refreshTokens.extend('x-3', now, now + 1000), undefined, 'revoked');
    });

    test('refresh tokens: the access tokens issued with a family, unexpired, for revoking the grant', async () => {
      const now = Date.now();
      const first = await store.refreshTokens.insert({ ...newToken('acc-1'), accessToken: { jti: 'jti-1', exp: now + 60_000 } });
      await store.refreshTokens.rotate('acc-1', now, () => ({ ...newToken('acc-2'), accessToken: { jti: 'jti-2', exp: now + 60_000 } }));
      await store.refreshTokens.rotate('acc-2', now, () => ({ ...newToken('acc-3'), accessToken: { jti: 'jti-old', exp: now - 1 } }));
      await store.refreshTokens.insert({ ...newToken('acc-other'), accessToken: { jti: 'jti-other', exp: now + 60_000 } });
      const got = await store.refreshTokens.accessTokensOfFamily(first.familyId, now);
      assert.deepEqual(got.map((t) => t.jti).sort(), ['jti-1', 'jti-2']);
      assert.equal(got[0]!.exp, now + 60_000);
    });

    test('refresh tokens: of 8 concurrent rotations of one token exactly one wins', async () => {
      const t = await store.refreshTokens.insert(newToken('race-0'));
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.refreshTokens.rotate('race-0', Date.now(), () => newToken(`race-${i + 1}`))));
      assert.equal(results.filter((r) => r.outcome === 'rotated').length, 1);
      // The first loser sees a spent token: that is reuse, so the family is revoked (a replay cannot be told
      // from a theft); later losers find it revoked. Nobody is left holding a usable token from the race.
      assert.ok(results.some((r) => r.outcome === 'reused'));
      assert.ok(results.every((r) => ['rotated', 'reused', 'invalid'].includes(r.outcome)));
      const usable = await store.refreshTokens.usableCountByFamily(Date.now());
      assert.equal(usable.get(t.familyId) ?? 0, 0);
    });

    test('refresh tokens: races on families with a history never fail with a database error (PostgreSQL deadlocks)', async () => {
      // Losers of a race all revoke the family at once; on PostgreSQL their row locks could meet in different orders
      // and deadlock, which surfaced as a 500 from the token endpoint. 30 races of 12 on families three rotations deep.
      for (let round = 0; round < 30; round++) {
        await store.refreshTokens.insert(newToken(`hist-${round}-0`));
        for (let i = 0; i < 3; i++) {
          assert.equal((await store.refreshTokens.rotate(`hist-${round}-${i}`, Date.now(), () => newToken(`hist-${round}-${i + 1}`))).outcome, 'rotated');
        }
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => store.refreshTokens.rotate(`hist-${round}-3`, Date.now(), () => newToken(`hist-${round}-x${i}`))),
        );
        assert.equal(results.filter((r) => r.outcome === 'rotated').length, 1, `round ${round}`);
      }
    });

    test('refresh tokens: a rotation ended as a deadlock victim is run again, other errors are not', async () => {
      const failing = (code: string) => {
        let calls = 0;
        const kysely = store.db.kysely;
        const db = new Proxy(kysely, {
          get(target, prop) {
            if (prop === 'transaction') {
              return () => (calls++ === 0 ? { execute: async () => Promise.reject(Object.assign(new Error('simulated'), { code })) } : target.transaction());
            }
            const v: unknown = Reflect.get(target, prop);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
        return { repo: new RefreshTokenRepository(db, 'postgres'), calls: () => calls };
      };
      await store.refreshTokens.insert(newToken('retry-0'));
      const deadlock = failing('40P01');
      assert.equal((await deadlock.repo.rotate('retry-0', Date.now(), () => newToken('retry-1'))).outcome, 'rotated');
      assert.equal(deadlock.calls(), 2, 'run again after the deadlock');
      const other = failing('23505');
      await assert.rejects(other.repo.rotate('retry-1', Date.now(), () => newToken('retry-2')), /simulated/);
      assert.equal(other.calls(), 1);
    });

    test('signing keys: compare-and-set rotation lets only one writer win', async () => {
      const k = (kid: string, state: 'active' | 'next') => ({ kid, alg: 'ES256', publicJwk: '{}', privateEnc: 'x', state, createdAt: Date.now(), activatedAt: null, retiringAt: null, publishUntil: null });
      await store.signingKeys.insert(k('k1', 'active'));
      await store.signingKeys.insert(k('k2', 'next'));
      const expected = new Map([['k1', 'active' as const], ['k2', 'next' as const]]);
      const plan = [{ kid: 'k1', state: 'retiring' as const }, { kid: 'k2', state: 'active' as const }];
      const [a, b] = await Promise.all([
        store.signingKeys.applyRotation(expected, plan, [k('k3', 'next')]),
        store.signingKeys.applyRotation(expected, plan, [k('k4', 'next')]),
      ]);
      assert.equal([a, b].filter(Boolean).length, 1);
      const states = Object.fromEntries((await store.signingKeys.list()).map((x) => [x.kid, x.state]));
      assert.equal(states.k1, 'retiring');
      assert.equal(states.k2, 'active');
      assert.equal(Object.values(states).filter((s) => s === 'next').length, 1);
    });

    test('revocations: by jti and by subject, the feed cursor, expiry', async () => {
      const now = Date.now();
      const start = await store.revocations.latestSeq();
      await store.revocations.revokeJti('j1', now + 60_000, now);
      await store.revocations.revokeJti('j1', now + 60_000, now);
      await store.revocations.revokeSubject('bot|b1', now, now + 60_000, now);
      await store.revocations.revokeJti('old', now - 1, now - 10);
      const iat = Math.floor(now / 1000);
      assert.equal(await store.revocations.isRevoked('j1', 'x', iat, now), true);
      assert.equal(await store.revocations.isRevoked('j2', 'bot|b1', iat - 1, now), true);
      assert.equal(await store.revocations.isRevoked('j2', 'bot|b1', iat, now), true, 'a token of the revocation\'s own second may predate it: revoked');
      assert.equal(await store.revocations.isRevoked('j2', 'bot|b1', iat + 1, now), false, 'tokens issued after the revocation stand');
      assert.equal(await store.revocations.isRevoked('old', 'x', iat, now), false, 'expired entries no longer count');
      const feed = await store.revocations.since(start, now);
      assert.deepEqual(feed.map((r) => r.jti ?? r.subject), ['j1', 'bot|b1']);
      assert.deepEqual(await store.revocations.since(feed[feed.length - 1]!.seq, now), []);
      assert.ok((await store.revocations.deleteExpired(now)) >= 1);
    });

    test('app tokens and the audit log', async () => {
      const u = await store.users.create({ email: 'app@example.com', passwordHash: 'h' });
      const now = Date.now();
      await store.appTokens.insert({ id: 'a1', userId: u.id, name: 'ci', jti: 'jti-a1', prefix: 'jti-a1', scope: '', audience: ['gatehouse'], createdAt: now, expiresAt: now + 1000 });
      assert.equal((await store.appTokens.listForUser(u.id)).length, 1);
      await store.appTokens.touch('jti-a1', now + 1);
      assert.equal((await store.appTokens.findByJti('jti-a1'))?.lastUsedAt, now + 1);
      assert.equal(await store.appTokens.markRevoked('a1', now), true);
      assert.equal((await store.appTokens.listForUser(u.id)).length, 0);
      for (let i = 0; i < 5; i++) store.audit.record({ type: i % 2 ? 'token.issued' : 'login', outcome: 'success', subject: 's1', projectId: 'p1' });
      const page1 = await store.audit.query({ subject: 's1', limit: 3 });
      assert.equal(page1.length, 3);
      const page2 = await store.audit.query({ subject: 's1', limit: 3, before: page1[2]!.id });
      assert.equal(page2.length, 2);
      assert.equal((await store.audit.query({ type: 'login', limit: 10 })).length, 3);
    });
  });
}
