// The revocation feed's memory bound: past `maxEntries` a single revocation is folded into its subject, and past it
// for subjects the oldest becomes a floor for everyone. Memory stays bounded and no revoked token is accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRevocationFeed } from '../src/revocation-feed.ts';

const NOW = 1_800_000_000_000;
const second = Math.floor(NOW / 1000);

function feedOf(doc: Record<string, unknown>, maxEntries: number) {
  const calls = { revoked: [] as string[], subjects: [] as string[], floors: [] as number[] };
  const feed = createRevocationFeed({
    endpoint: async () => 'http://issuer.test/oauth/revocations',
    fetch: async () => new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/json' } }),
    timeoutMs: 1000,
    intervalMs: 3_600_000,
    maxEntries,
    now: () => NOW,
    onRevoked: (jti) => calls.revoked.push(jti),
    onSubjectRevoked: (sub) => calls.subjects.push(sub),
    onFloor: (floor) => calls.floors.push(floor),
  });
  return { feed, calls };
}

test('past the bound, single revocations fold into their subjects: memory bounded, every revoked token still refused', async () => {
  // One bot revoking 1,000 of its own tokens, each with its subject and instant as Gatehouse sends them.
  const revoked = Array.from({ length: 1000 }, (_, i) => ({ jti: `j${i}`, exp: second + 3600, sub: 'bot|flooder', iat_before: second - 1000 + i + 1 }));
  const { feed, calls } = feedOf({ revoked, subjects: [], cursor: '1000' }, 50);
  await feed.ready;
  feed.close();
  assert.ok(feed.stats.size() <= 51, `entries kept: ${feed.stats.size()}`);
  assert.ok(feed.stats.folded >= 950, `folded ${feed.stats.folded}`);
  for (let i = 0; i < 1000; i++) assert.ok(feed.isRevoked({ jti: `j${i}`, sub: 'bot|flooder', iat: second - 1000 + i }), `j${i} still refused`);
  assert.equal(feed.isRevoked({ jti: 'fresh', sub: 'bot|flooder', iat: second }), false, 'a token of the bot issued after all of them stands');
  assert.equal(feed.isRevoked({ jti: 'other', sub: 'bot|other', iat: second - 2000 }), false, 'other subjects are untouched');
  assert.equal(calls.floors.length, 0);
});

test('past the bound for subjects too, the oldest subject becomes a floor for everyone (fail closed)', async () => {
  const subjects = Array.from({ length: 20 }, (_, i) => ({ sub: `bot|s${i}`, iat_before: second - 100 + i, exp: second + 3600 }));
  const { feed, calls } = feedOf({ revoked: [], subjects, cursor: '20' }, 5);
  await feed.ready;
  feed.close();
  assert.ok(feed.stats.size() <= 5);
  assert.ok(calls.floors.length > 0);
  for (let i = 0; i < 20; i++) assert.ok(feed.isRevoked({ jti: `t${i}`, sub: `bot|s${i}`, iat: second - 101 + i }), `bot|s${i}'s old token refused`);
  assert.equal(feed.isRevoked({ jti: 'new', sub: 'bot|anyone', iat: second }), false, 'tokens issued after the floor stand');
});

test('a single entry without its subject (an older Gatehouse) at the bound raises the floor to now', async () => {
  const revoked = Array.from({ length: 10 }, (_, i) => ({ jti: `k${i}`, exp: second + 3600 }));
  const { feed } = feedOf({ revoked, subjects: [], cursor: '10' }, 3);
  await feed.ready;
  feed.close();
  for (let i = 0; i < 10; i++) assert.ok(feed.isRevoked({ jti: `k${i}`, sub: 'x', iat: second - 5 }));
  assert.ok(feed.stats.size() <= 3);
});
