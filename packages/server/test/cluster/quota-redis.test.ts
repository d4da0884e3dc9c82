// Issuance quotas are counted across nodes through Redis: two nodes on one PostgreSQL database and one Redis.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REDIS_URL, type TestCluster, clusterSkipReason, form, getJson, startCluster, warnSkipped } from './support.ts';

const skip = clusterSkipReason({ redis: true });
warnSkipped('issuance quotas across nodes', skip);
const API = 'https://api.quota-cluster.example';

describe('issuance quotas shared through Redis', { skip }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(2, { redisUrl: REDIS_URL });
  });
  after(() => c?.stop());

  test('a bot quota of 3 per hour allows 3 new tokens in all, whichever node signs them', async () => {
    const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
    const api = await a.createApi({ identifier: API, scopes: [] });
    const bot = await a.createBot({ name: 'counted' });
    await a.grant(api.id, bot.id, []);
    await a.api('PUT', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/quota`, { hourly: 3, daily: null });
    const ask = (n: typeof a) => getJson(`${n.url}/oauth/token`, form({ grant_type: 'client_credentials', audience: API }, [bot.client_id, bot.client_secret]));
    // Node b reads the quota from the store (its 5 s quota cache is empty: it never saw this bot).
    const statuses = [];
    for (const n of [a, b, a, b, a, b]) statuses.push((await ask(n)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
  });
});
