// The revocation feed cannot be grown without bound at one client's command: revocations are rate-limited per
// client, and a bot's own revocations beyond a few become one subject entry, so the feed and every verifier's
// memory stay small while every revoked token is still refused, at Gatehouse and at @gatehouse/verify.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier } from '@gatehouse/verify';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { basic, postForm } from './http.ts';

describe('revocation budget (defaults: 60 a minute per client, 10 single entries for a bot\'s own tokens)', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'revoker' });
  });
  after(() => gh.stop());

  const auth = () => ({ authorization: basic(bot.client_id, bot.client_secret) });
  const mint = async () => (await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: auth() })).body.access_token as string;
  const revoke = (token: string) => postForm(gh.url, { token }, { path: '/oauth/revoke', headers: auth() });
  const feed = async () => (await (await fetch(`${gh.url}/oauth/revocations`)).json()) as { revoked: { jti: string; sub?: string }[]; subjects: { sub: string }[] };

  test('a bot revoking 40 of its own tokens at once adds 10 single entries and a few subject entries; all 40 are refused', async () => {
    const tokens = await Promise.all(Array.from({ length: 40 }, mint));
    const before = await feed();
    const replies = await Promise.all(tokens.map(revoke));
    assert.deepEqual([...new Set(replies.map((r) => r.status))], [200]);
    const after = await feed();
    const singles = after.revoked.length - before.revoked.length;
    const subjects = after.subjects.length - before.subjects.length;
    assert.equal(singles, 10, 'single entries');
    assert.ok(subjects >= 1 && subjects <= 30, `subject entries: ${subjects} (one per second at most)`);
    assert.ok(after.revoked.every((e) => e.sub === `bot|${bot.id}`), 'single entries name their subject for verifiers at their bound');
    const verifier = createVerifier({ issuer: gh.issuer, audience: 'gatehouse', revocation: { poll: true, intervalMs: 60_000 } });
    await verifier.warmUp();
    const accepted = (await Promise.all(tokens.map((t) => verifier.verify(t).then(() => true, () => false)))).filter(Boolean).length;
    assert.equal(accepted, 0, `${accepted} revoked tokens still verify`);
  });
});

describe('revocation rate per client', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  before(async () => {
    // Coalescing off, so that every revocation would be a single entry and only the rate limit holds it back.
    gh = await startGatehouse({ env: { GATEHOUSE_REVOCATION_COALESCE_AFTER: '100000' } });
    bot = await gh.createBot({ name: 'rate-revoker' });
  });
  after(() => gh.stop());

  test('past 60 revocations a minute the client gets 429 slow_down with Retry-After, and the feed grows by 60', async () => {
    const auth = { authorization: basic(bot.client_id, bot.client_secret) };
    const tokens = await Promise.all(Array.from({ length: 70 }, async () => (await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: auth })).body.access_token as string));
    const replies = await Promise.all(tokens.map((token) => postForm(gh.url, { token }, { path: '/oauth/revoke', headers: auth })));
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(limited.length, 10, `${limited.length} of 70 refused`);
    for (const r of limited) {
      assert.equal(r.body.error, 'slow_down');
      assert.ok(Number(r.headers['retry-after']) > 0);
    }
    const feed = (await (await fetch(`${gh.url}/oauth/revocations`)).json()) as { revoked: unknown[] };
    assert.equal(feed.revoked.length, 60);
  });
});
