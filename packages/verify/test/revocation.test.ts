/** Revocation: the polled feed (refused within one interval) and introspection (refused at once). */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { IssuerUnavailableError } from '../src/index.ts';
import { INTROSPECTION_CLIENT } from './support/issuer.ts';
import { nowSeconds, refused, setup } from './support/setup.ts';

const FEED = '/oauth/revocations';
const INTROSPECT = '/oauth/introspect';

/**
 * Waits (bounded by a count of polls, not by time) until `check` is true. Polls are counted when they reach the
 * issuer, so on a loaded machine one poll can arrive before the verifier has applied the previous answer: the
 * bound below allows that one poll in flight beyond "the next poll or the one after".
 */
async function untilPolled(f: { issuer: { hits(p: string): number } }, polls: number, check: () => Promise<boolean>): Promise<number> {
  const start = f.issuer.hits(FEED);
  while (f.issuer.hits(FEED) - start <= polls) {
    if (await check()) return f.issuer.hits(FEED) - start;
    await sleep(5);
  }
  return Number.POSITIVE_INFINITY;
}

describe('revocation feed', () => {
  test('a revoked token is refused by the next poll, cached or not', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 20 } });
    try {
      const token = await f.issuer.sign();
      const claims = await f.verifier.verify(token);
      await f.verifier.verify(token);
      assert.equal(f.verifier.stats().cacheSize, 1);

      f.issuer.revoke(claims.jti, claims.exp);
      const pollsNeeded = await untilPolled(f, 3, async () => {
        try {
          await f.verifier.verify(token);
          return false;
        } catch (error) {
          return (error as { reason?: string }).reason === 'token_revoked';
        }
      });
      assert.ok(pollsNeeded <= 3, `refused after ${pollsNeeded} polls`);
      const error = await refused(f.verifier.verify(token), 'token_revoked', 'revoked');
      assert.equal(error.message, 'Token revoked.');
      assert.equal(f.verifier.stats().cacheSize, 0, 'the cached claims were dropped');
      // Other tokens are unaffected.
      assert.equal((await f.verifier.verify(await f.issuer.sign())).sub, 'user-1');
    } finally {
      await f.close();
    }
  });

  test('a subject-wide revocation refuses that subject\'s older tokens only', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 10 } });
    try {
      const now = nowSeconds();
      const older = await f.issuer.sign({ sub: 'bot|1', iat: now - 100 });
      const fresh = await f.issuer.sign({ sub: 'bot|1', iat: now });
      const other = await f.issuer.sign({ sub: 'bot|2', iat: now - 100 });
      for (const token of [older, fresh, other]) await f.verifier.verify(token);
      f.issuer.revokeSubject('bot|1', now, now + 3600);
      const polls = await untilPolled(f, 3, async () => f.verifier.verify(older).then(() => false, () => true));
      assert.ok(polls <= 3, `refused after ${polls} polls`);
      await refused(f.verifier.verify(older), 'token_revoked');
      assert.equal((await f.verifier.verify(fresh)).sub, 'bot|1', 'a token minted in the same second is kept');
      assert.equal((await f.verifier.verify(other)).sub, 'bot|2');
    } finally {
      await f.close();
    }
  });

  test('the feed is polled with the cursor it returned', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 10 } });
    try {
      f.issuer.revoke('a', nowSeconds() + 60);
      f.issuer.revoke('b', nowSeconds() + 60);
      await f.verifier.warmUp();
      await untilPolled(f, 3, async () => false);
      const urls = f.issuer.log.filter((u) => u.startsWith(FEED));
      assert.equal(urls[0], FEED);
      assert.ok(urls.slice(1).every((u) => u === `${FEED}?since=2`), urls.join(' '));
    } finally {
      await f.close();
    }
  });

  test('a token revoked before the verifier started is refused on its first use', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 60_000 } });
    try {
      const token = await f.issuer.sign({ jti: 'early' });
      f.issuer.revoke('early', nowSeconds() + 3600);
      await refused(f.verifier.verify(token), 'token_revoked');
    } finally {
      await f.close();
    }
  });

  test('a backlog spread over several feed pages is read in one poll', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 60_000 } }, { feedPageSize: 100 });
    try {
      for (let i = 0; i < 250; i++) f.issuer.revoke(`jti-${i}`, nowSeconds() + 3600);
      await refused(f.verifier.verify(await f.issuer.sign({ jti: 'jti-249' })), 'token_revoked');
      assert.equal(f.verifier.stats().revocationPolls, 1);
      assert.equal(f.issuer.hits(FEED), 3);
    } finally {
      await f.close();
    }
  });

  test('close() stops polling', async () => {
    const f = await setup({ revocation: { poll: true, intervalMs: 5 } });
    await f.verifier.warmUp();
    f.verifier.close();
    const polls = f.issuer.hits(FEED);
    await sleep(50);
    assert.equal(f.issuer.hits(FEED), polls);
    await f.close();
  });
});

describe('introspection', () => {
  test('refuses a revoked token on the next call and asks once per token while the answer is fresh', async () => {
    const f = await setup({
      revocation: { introspect: { clientId: INTROSPECTION_CLIENT.id, clientSecret: INTROSPECTION_CLIENT.secret, cacheMs: 0 } },
    });
    try {
      const token = await f.issuer.sign();
      const claims = await f.verifier.verify(token);
      assert.equal(f.issuer.hits(INTROSPECT), 1);
      f.issuer.revoke(claims.jti, claims.exp);
      await refused(f.verifier.verify(token), 'token_revoked', 'inactive');

      const cached = f.verifierWith({
        revocation: { introspect: { clientId: INTROSPECTION_CLIENT.id, clientSecret: INTROSPECTION_CLIENT.secret, cacheMs: 60_000 } },
      });
      const other = await f.issuer.sign();
      const before = f.issuer.hits(INTROSPECT);
      await Promise.all(Array.from({ length: 20 }, () => cached.verify(other)));
      await cached.verify(other);
      assert.equal(f.issuer.hits(INTROSPECT) - before, 1);
    } finally {
      await f.close();
    }
  });

  test('tokens that fail local checks never reach the issuer', async () => {
    const f = await setup({ revocation: { introspect: { clientId: INTROSPECTION_CLIENT.id, clientSecret: INTROSPECTION_CLIENT.secret } } });
    try {
      await refused(f.verifier.verify(await f.issuer.sign({ aud: 'https://other' })), 'token_invalid');
      await refused(f.verifier.verify('garbage'), 'token_invalid');
      assert.equal(f.issuer.hits(INTROSPECT), 0);
    } finally {
      await f.close();
    }
  });

  test('wrong client credentials fail closed with IssuerUnavailableError', async () => {
    const f = await setup({ revocation: { introspect: { clientId: INTROSPECTION_CLIENT.id, clientSecret: 'wrong' } } });
    try {
      await assert.rejects(f.verifier.verify(await f.issuer.sign()), IssuerUnavailableError);
    } finally {
      await f.close();
    }
  });
});
