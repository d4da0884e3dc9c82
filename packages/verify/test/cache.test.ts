/** The verified-claims cache: bounded, LRU, expiring at exp, never bypassing per-call checks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClaimsCache } from '../src/claims-cache.ts';
import type { Claims } from '../src/claims.ts';
import { refused, setup } from './support/setup.ts';

const claims = (jti: string, exp = 2_000_000_000): Claims => Object.freeze({
  iss: 'i', sub: 's', aud: 'a', iat: 1, exp, jti, client_id: 'c',
});

describe('claims cache (unit)', () => {
  test('evicts the least recently used entry at the bound', () => {
    const cache = createClaimsCache(2);
    cache.set('t1', claims('1'), 'k');
    cache.set('t2', claims('2'), 'k');
    assert.ok(cache.get('t1', 0)); // t1 becomes most recent
    cache.set('t3', claims('3'), 'k');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('t2', 0), undefined);
    assert.ok(cache.get('t1', 0));
    assert.ok(cache.get('t3', 0));
  });

  test('never serves an entry at or after its exp', () => {
    const cache = createClaimsCache(10);
    cache.set('t', claims('1', 100), 'k');
    assert.ok(cache.get('t', 99_999));
    assert.equal(cache.get('t', 100_000), undefined);
    assert.equal(cache.size, 0);
  });

  test('drops by jti and by retired kid', () => {
    const cache = createClaimsCache(10);
    cache.set('t1', claims('1'), 'old');
    cache.set('t2', claims('2'), 'new');
    cache.dropJti('1');
    assert.equal(cache.get('t1', 0), undefined);
    cache.set('t1', claims('1'), 'old');
    cache.keepKids(new Set(['new']));
    assert.equal(cache.get('t1', 0), undefined);
    assert.ok(cache.get('t2', 0));
  });

  test('a size of zero caches nothing', () => {
    const cache = createClaimsCache(0);
    cache.set('t', claims('1'), 'k');
    assert.equal(cache.size, 0);
  });
});

describe('claims cache in the verifier', () => {
  test('each distinct token is verified once; concurrent first calls share the work', async () => {
    const f = await setup();
    try {
      const token = await f.issuer.sign();
      const results = await Promise.all(Array.from({ length: 50 }, () => f.verifier.verify(token)));
      assert.ok(results.every((c) => c === results[0]), 'one claims object for all');
      await f.verifier.verify(`Bearer ${token}`);
      const stats = f.verifier.stats();
      assert.equal(stats.cacheSize, 1);
      assert.equal(stats.cacheHits + stats.cacheMisses, 51);
      assert.equal(stats.cacheHits, 1);
    } finally {
      await f.close();
    }
  });

  test('stays within its bound', async () => {
    const f = await setup({ cache: { maxEntries: 5 } });
    try {
      for (let i = 0; i < 12; i++) await f.verifier.verify(await f.issuer.sign());
      assert.equal(f.verifier.stats().cacheSize, 5);
    } finally {
      await f.close();
    }
  });

  test('cache: false verifies every time', async () => {
    const f = await setup({ cache: false });
    try {
      const token = await f.issuer.sign();
      await f.verifier.verify(token);
      await f.verifier.verify(token);
      assert.deepEqual([f.verifier.stats().cacheHits, f.verifier.stats().cacheSize], [0, 0]);
    } finally {
      await f.close();
    }
  });

  test('requiredScopes are enforced on cache hits too, and claims are frozen', async () => {
    const f = await setup();
    try {
      const token = await f.issuer.sign({ scope: 'datasets:read' });
      const claims = await f.verifier.verify(token);
      assert.ok(Object.isFrozen(claims));
      assert.throws(() => {
        (claims as { sub: string }).sub = 'admin';
      }, TypeError);
      const strict = f.verifierWith({ requiredScopes: ['datasets:write'] });
      for (let i = 0; i < 2; i++) {
        const error = await refused(strict.verify(token), 'insufficient_scope', 'scope_missing');
        assert.equal(error.status, 403);
      }
      const ok = f.verifierWith({ requiredScopes: ['datasets:read'] });
      await ok.verify(token);
      await ok.verify(token);
    } finally {
      await f.close();
    }
  });
});
