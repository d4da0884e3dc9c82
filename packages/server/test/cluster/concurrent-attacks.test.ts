// Brute-force counters shared through Redis by two nodes on PostgreSQL, with the guesses sent at once and
// spread over both nodes: the threshold holds for the cluster as a whole, not per node and not per moment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BotCredentials, Gatehouse } from '../support/harness.ts';
import { type RawReply, basic, postForm } from '../security/http.ts';
import { REDIS_URL, type TestCluster, clusterSkipReason, startCluster, warnSkipped } from './support.ts';

const skip = clusterSkipReason({ redis: true });
warnSkipped('concurrent attacks on two nodes', skip);

const tally = (rs: RawReply[]) => {
  const out: Record<number, number> = {};
  for (const r of rs) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
};

describe('concurrent guesses over two nodes sharing Redis counters (PostgreSQL)', { skip }, () => {
  let cluster: TestCluster;
  let a: Gatehouse, b: Gatehouse;
  let bot: BotCredentials;
  const user = { email: 'cluster-victim@example.com', password: 'the one right password' };

  before(async () => {
    cluster = await startCluster(2, { redisUrl: REDIS_URL, env: { GATEHOUSE_PASSWORD_CHECK_PER_ADDRESS: '1000', GATEHOUSE_PASSWORD_CHECK_QUEUE: '1000', GATEHOUSE_PASSWORD_CHECK_MAX_WAIT_MS: '600000' } });
    [a, b] = cluster.nodes as [Gatehouse, Gatehouse];
    await a.createUser(user);
    bot = await a.createBot({ name: 'cluster-concurrent' });
  });
  after(() => cluster?.stop());

  test('40 password guesses at one account from one address, at once, half on each node: 10 are checked', async () => {
    const from = '127.0.8.1';
    const rs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postForm([a, b][i % 2]!.url, { grant_type: 'password', username: user.email, password: `wrong guess ${i}` }, { from })),
    );
    const t = tally(rs);
    assert.equal(t[400], 10, `answers ${JSON.stringify(t)}: the threshold counts both nodes' attempts together`);
    assert.equal(t[429], 30, JSON.stringify(t));
    const right = await postForm(b.url, { grant_type: 'password', username: user.email, password: user.password }, { from });
    assert.equal(right.status, 429, 'the right password afterwards is refused too');
  });

  test("40 guesses at a bot's secret from one address, at once, half on each node: at most 10 are checked", async () => {
    const from = '127.0.8.2';
    const rs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postForm([a, b][i % 2]!.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { from, headers: { authorization: basic(bot.client_id, `ghb_guess${i}`) } }),
      ),
    );
    const t = tally(rs);
    assert.equal(t[401], 10, JSON.stringify(t));
    assert.equal(t[429], 30, JSON.stringify(t));
  });
});
