// Three Gatehouse processes on one PostgreSQL database (and Redis when GATEHOUSE_TEST_REDIS_URL is set),
// started at the same moment on a fresh database, as nodes behind a load balancer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { BotCredentials, Gatehouse } from '../support/harness.ts';
import { eventually } from '../../../../test/support/eventually.ts';
import { ISSUER, REDIS_URL, type TestCluster, clusterSkipReason, form, getJson, startCluster, warnSkipped, within } from './support.ts';

const skip = clusterSkipReason();
warnSkipped('cluster suite', skip);
const noRedis = REDIS_URL ? false : 'SKIPPED: GATEHOUSE_TEST_REDIS_URL is not set, so shared Redis rate-limit counters are not tested';
warnSkipped('cluster suite, Redis parts', !skip && noRedis);

const AUD = 'https://cluster.test/api';

describe('three nodes on one PostgreSQL database', { skip }, () => {
  let cluster: TestCluster;
  let a: Gatehouse, b: Gatehouse, c: Gatehouse;
  let db: pg.Client;
  const secrets: string[] = [];

  const cc = (node: Gatehouse, bot: { client_id: string; client_secret: string }) =>
    node.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: AUD });
  const jwks = async (node: Gatehouse) => (await getJson<{ keys: { kid: string }[] }>(`${node.url}/.well-known/jwks.json`)).body;
  const kids = async (node: Gatehouse) => (await jwks(node)).keys.map((k) => k.kid).sort().join(',');
  const introspect = (node: Gatehouse, token: string, bot: BotCredentials) =>
    getJson(`${node.url}/oauth/introspect`, form({ token, client_id: bot.client_id, client_secret: bot.client_secret }));
  const metrics = async (node: Gatehouse) => (await fetch(`${node.url}/metrics`)).text();
  const metric = (text: string, line: string) => Number(text.split('\n').find((l) => l.startsWith(line + ' '))?.slice(line.length + 1) ?? 0);
  const newBot = async (apiId: string) => {
    const bot = await a.createBot();
    await a.grant(apiId, bot.id, ['read']);
    secrets.push(bot.client_secret);
    return bot;
  };

  before(async () => {
    cluster = await startCluster(3, { redisUrl: REDIS_URL, env: { GATEHOUSE_TOKEN_RATE_LIMIT: '100000', GATEHOUSE_BRUTE_FORCE_THRESHOLD: '3' } });
    [a, b, c] = cluster.nodes as [Gatehouse, Gatehouse, Gatehouse];
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await cluster?.stop();
  });

  test('started together on a fresh database: migrations once, one admin, one active and one next key', async () => {
    const m = await db.query<{ n: string; d: string }>('select count(*) as n, count(distinct name) as d from kysely_migration');
    assert.equal(m.rows[0]!.n, m.rows[0]!.d);
    assert.equal((await db.query('select count(*)::int as n from users')).rows[0].n, 1);
    const keys = await db.query<{ state: string; n: number }>("select state, count(*)::int as n from signing_keys where alg = 'ES256' group by state order by state");
    assert.deepEqual(keys.rows, [{ state: 'active', n: 1 }, { state: 'next', n: 1 }]);
    const sets = await Promise.all([a, b, c].map(kids));
    assert.equal(new Set(sets).size, 1, 'every node publishes the same JWKS');
    for (const node of [a, b, c]) {
      const r = await getJson(`${node.url}/readyz`);
      assert.equal(r.status, 200);
      assert.equal(r.body.cluster.notifications, 'listening');
      assert.equal(r.body.cluster.caches, 'on');
      if (REDIS_URL) assert.equal(r.body.cluster.redis, 'ready');
    }
  });

  let api: { id: string };
  let bot: BotCredentials;

  test('a token issued on A verifies with the JWKS of B and C and introspects active on both', async () => {
    api = await a.createApi({ identifier: AUD, scopes: ['read', 'write'] });
    bot = await newBot(api.id);
    const r = await cc(a, bot);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const node of [b, c]) {
      const { payload } = await jwtVerify(r.body.access_token, createLocalJWKSet(await jwks(node)), { issuer: ISSUER, audience: AUD });
      assert.equal(payload.client_id, bot.client_id);
      const i = await introspect(node, r.body.access_token, bot);
      assert.equal(i.body.active, true);
      assert.equal(i.body.scope, 'read');
    }
  });

  test('a refresh token rotated on A and replayed on B is reuse: the family ends on every node', async () => {
    const user = { email: 'refresh@cluster.test', password: 'correct horse battery staple' };
    await a.createUser(user);
    const login = await b.token({ grant_type: 'password', username: user.email, password: user.password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    secrets.push(login.body.refresh_token, login.body.access_token, user.password);
    const rotated = await a.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    assert.equal(rotated.status, 200);
    secrets.push(rotated.body.refresh_token);
    const replay = await b.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const successor = await c.token({ grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token });
    assert.equal(successor.status, 400, 'the successor issued on A died with its family');
    assert.equal(metric(await metrics(b), 'gatehouse_refresh_reuse_detected_total'), 1);
  });

  test('a bot deleted on B, a grant revoked on A and a secret rotated on B stop working on C a second later', async () => {
    const doomed = await newBot(api.id);
    const ungranted = await newBot(api.id);
    const rotatedBot = await newBot(api.id);
    // Warm C's caches and check they serve these bots (otherwise this test would prove nothing about them).
    for (const x of [doomed, ungranted, rotatedBot]) assert.equal((await cc(c, x)).status, 200);
    const hits = metric(await metrics(c), 'gatehouse_cache_lookups_total{cache="bots",result="hit"}');
    for (const x of [doomed, ungranted, rotatedBot]) assert.equal((await cc(c, x)).status, 200);
    assert.ok(metric(await metrics(c), 'gatehouse_cache_lookups_total{cache="bots",result="hit"}') >= hits + 3, 'C answered from its cache');

    await b.api('DELETE', `/api/v1/projects/${doomed.project_id}/bots/${doomed.id}`);
    await a.api('DELETE', `/api/v1/apis/${api.id}/grants/${ungranted.id}`);
    const fresh = await b.api('POST', `/api/v1/projects/${rotatedBot.project_id}/bots/${rotatedBot.id}/rotate-secret`, { grace_seconds: 0 });
    secrets.push(fresh.client_secret);

    // The notifications reach C within milliseconds; polled, never slept for.
    await eventually(async () => {
      const deleted = await cc(c, doomed);
      assert.equal(deleted.status, 401);
      assert.equal(deleted.body.error, 'invalid_client');
      const noGrant = await cc(c, ungranted);
      assert.equal(noGrant.status, 403);
      assert.equal(noGrant.body.error, 'access_denied');
      assert.equal((await cc(c, rotatedBot)).status, 401, 'the old secret is refused');
      return true;
    }, { timeoutMs: 5_000 });
    assert.equal((await cc(c, { client_id: rotatedBot.client_id, client_secret: fresh.client_secret })).status, 200);
  });

  test('a token C keeps for reuse and revokes through A is never handed out by C again', async () => {
    const reuseAud = 'https://cluster.test/reuse';
    const reuseApi = await a.createApi({ identifier: reuseAud, scopes: [], reuse_tokens: true });
    const bot = await a.createBot();
    await a.grant(reuseApi.id, bot.id, []);
    const ask = (node: Gatehouse) => node.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: reuseAud });
    const first = await ask(c);
    assert.equal((await ask(c)).body.access_token, first.body.access_token, 'C reuses its token');
    const revoke = await fetch(`${a.url}/oauth/revoke`, { method: 'POST', ...form({ token: first.body.access_token, client_id: bot.client_id, client_secret: bot.client_secret }) });
    assert.equal(revoke.status, 200);
    const next = await eventually(async () => {
      const r = await ask(c);
      assert.equal(r.status, 200);
      return r.body.access_token !== first.body.access_token && r;
    }, { timeoutMs: 5_000, message: 'the revoked token is not handed out again' });
    assert.equal((await introspect(c, next.body.access_token, bot)).body.active, true);
  });

  test('keys rotated on C are published by A and B within a second, and A then signs with the new key', async () => {
    const before = await kids(c);
    const rotated = await c.api('POST', '/api/v1/keys/rotate');
    const after = await kids(c);
    assert.notEqual(after, before);
    assert.ok(await within(1000, async () => (await kids(a)) === after && (await kids(b)) === after), 'A and B publish the JWKS C publishes');
    const token = (await cc(a, bot)).body.access_token as string;
    assert.ok(rotated.rotated.includes(decodeProtectedHeader(token).kid), 'A signs with the key C promoted');
    for (const node of [b, c]) assert.equal((await introspect(node, token, bot)).body.active, true);
  });

  test('three nodes rotating at the same moment: every rotation answered 200 happened once, the others were refused', async () => {
    const token = await a.adminToken();
    const retiring = async () => (await db.query("select count(*)::int as n from signing_keys where state = 'retiring' and alg = 'ES256'")).rows[0].n as number;
    const before = await retiring();
    const results = await Promise.all(
      [a, b, c].map((node) => getJson(`${node.url}/api/v1/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })),
    );
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 409), JSON.stringify(statuses));
    // Plans made from the same key states conflict (409); a request that read the keys after another rotation
    // committed rotates again, legitimately. Either way no rotation is lost or applied twice.
    assert.equal((await retiring()) - before, statuses.filter((s) => s === 200).length);
    const keys = await db.query<{ state: string; n: number }>("select state, count(*)::int as n from signing_keys where alg = 'ES256' and state in ('active', 'next') group by state order by state");
    assert.deepEqual(keys.rows, [{ state: 'active', n: 1 }, { state: 'next', n: 1 }]);
    // The dedicated rotation test above holds nodes to one second; here the point is that they agree at all.
    const published = await kids(c);
    const agree = await within(3000, async () => (await kids(a)) === published && (await kids(b)) === published);
    assert.ok(agree, `JWKS differ: A ${await kids(a)} B ${await kids(b)} C ${published}`);
  });

  test('rate-limit counters are shared through Redis', { skip: noRedis }, async () => {
    const remaining = async (node: Gatehouse) => Number((await cc(node, bot)).headers.get('x-ratelimit-remaining'));
    const ra = await remaining(a);
    const rb = await remaining(b);
    const rc = await remaining(c);
    assert.deepEqual([rb, rc], [ra - 1, ra - 2]);
  });

  test('brute-force counters are shared through Redis: failures spread over the nodes add up', { skip: noRedis }, async () => {
    const user = { email: 'guessed@cluster.test', password: 'the real password 42' };
    await a.createUser(user);
    const statuses: number[] = [];
    for (let i = 0; i < 6 && !statuses.includes(429); i++) {
      const node = [a, b, c][i % 3]!;
      statuses.push((await node.token({ grant_type: 'password', username: user.email, password: `wrong guess ${i}` })).status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429], 'the threshold (3) counts failures on every node together');
  });

  test('JSON logs carry the request id a caller sends', async () => {
    await fetch(`${a.url}/healthz`, { headers: { 'x-request-id': 'cluster-request-4711' } });
    assert.ok(await within(2000, async () => a.logs().includes('"reqId":"cluster-request-4711"')));
  });

  test('/metrics on every node: the promised series, and no secret, token or client id in them', async () => {
    for (const node of [a, b, c]) {
      // Every node serves one token itself, so its issued-token series exists whatever ran before (with or without Redis).
      assert.equal((await cc(node, bot)).status, 200);
      const text = await metrics(node);
      for (const name of [
        'gatehouse_token_requests_total{grant="client_credentials",outcome="issued"}',
        'gatehouse_http_request_duration_seconds_bucket',
        'gatehouse_store_query_duration_seconds_bucket',
        'gatehouse_cache_lookups_total',
        'gatehouse_refresh_reuse_detected_total',
        'gatehouse_rate_limit_rejections_total',
        'gatehouse_db_pool_connections',
        'process_resident_memory_bytes',
      ]) {
        assert.ok(text.includes(name), `${node.url}/metrics has ${name}`);
      }
      for (const s of [...secrets, bot.client_id, a.admin.password, cluster.db.url]) assert.ok(!text.includes(s), 'no secret in /metrics');
      assert.ok(!/ghb_|ghr_|eyJ/.test(text));
    }
  });
});
