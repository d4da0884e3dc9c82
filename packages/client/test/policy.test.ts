import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, resolveRetry } from '../src/backoff.ts';
import { defaultPolicy, refreshAt, resolvePolicy, usableUntil } from '../src/policy.ts';
import type { Token } from '../src/index.ts';

const at = (lifetimeS: number): Token => ({ accessToken: 'x', tokenType: 'Bearer', issuedAt: 0, expiresAt: lifetimeS * 1000 });

describe('refresh policy', () => {
  it('24 h token: refresh at 80% of the lifetime, usable until 30 s before exp', () => {
    assert.equal(refreshAt(at(86400), defaultPolicy), 86400 * 800);
    assert.equal(usableUntil(at(86400), defaultPolicy), 86400_000 - 30_000);
  });

  it('240 s token: 60 s before exp comes before 80%', () => {
    assert.equal(refreshAt(at(240), defaultPolicy), 180_000);
  });

  it('5 s token: refreshed at half-life, skew capped at a tenth of the lifetime', () => {
    assert.equal(refreshAt(at(5), defaultPolicy), 2500);
    assert.equal(usableUntil(at(5), defaultPolicy), 4500);
  });

  it('the refresh point never comes after the last usable moment', () => {
    const policy = resolvePolicy({ refreshRatio: 0.99, refreshBeforeMs: 0 });
    assert.ok(refreshAt(at(100), policy) <= usableUntil(at(100), policy));
  });

  it('options are validated once, at construction', () => {
    assert.throws(() => resolvePolicy({ refreshRatio: 1.5 }), RangeError);
    assert.throws(() => resolvePolicy({ clockSkewMs: -1 }), RangeError);
    assert.throws(() => resolveRetry({ attempts: 0 }), RangeError);
    assert.equal(resolvePolicy({ refreshRatio: undefined }).refreshRatio, 0.8);
  });
});

describe('backoff', () => {
  const retry = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles, with half of each delay random, up to the ceiling', () => {
    assert.equal(backoffDelay(1, retry, () => 0), 50);
    assert.equal(backoffDelay(1, retry, () => 1), 100);
    assert.equal(backoffDelay(3, retry, () => 0), 200);
    assert.equal(backoffDelay(30, retry, () => 1), 1000);
  });
});
