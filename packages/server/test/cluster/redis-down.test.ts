// Redis goes away under two nodes: tokens keep being issued and verified, rate limits fall back to per-node
// counters (still limiting: nothing fails open) and the log says so; when Redis returns the nodes use it again.
// Runs its own redis-server on a free port, so it can be stopped without disturbing anything else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import type { Gatehouse } from '../support/harness.ts';
import { type TestCluster, clusterSkipReason, form, getJson, startCluster, warnSkipped, within } from './support.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const skip = clusterSkipReason() || (hasRedisServer ? false : 'SKIPPED: no redis-server binary to start and stop');
warnSkipped('cluster Redis outage suite', skip);

const LIMIT = 6;
const AUD = 'https://outage.test/api';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve(p);
    });
    p.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
}

describe('Redis outage under two nodes', { skip }, () => {
  let cluster: TestCluster;
  let a: Gatehouse, b: Gatehouse;
  let redis: ChildProcess;
  let port: number;
  let bot: { client_id: string; client_secret: string };

  const cc = (node: Gatehouse) => node.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: AUD });
  const redisState = async (node: Gatehouse) => (await getJson(`${node.url}/readyz`)).body.cluster.redis as string;

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    cluster = await startCluster(2, { redisUrl: `redis://127.0.0.1:${port}`, env: { GATEHOUSE_TOKEN_RATE_LIMIT: String(LIMIT) } });
    [a, b] = cluster.nodes as [Gatehouse, Gatehouse];
    // Admin calls use a bearer token; only the two admin logins count against the token endpoint limit.
    const api = await a.createApi({ identifier: AUD, scopes: ['read'] });
    const created = await b.createBot();
    await a.grant(api.id, created.id, ['read']);
    bot = created;
  });
  after(async () => {
    await cluster?.stop();
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  });

  test('with Redis the limit is shared, and once Redis is gone tokens are still issued and verified', async () => {
    const first = await cc(a);
    const second = await cc(b);
    assert.equal(first.status, 200);
    assert.equal(Number(second.headers.get('x-ratelimit-remaining')), Number(first.headers.get('x-ratelimit-remaining')) - 1, 'one counter for both nodes');

    redis.kill('SIGKILL');
    assert.ok(await within(5000, async () => (await redisState(a)) !== 'ready' && (await redisState(b)) !== 'ready'), 'both nodes noticed');
    for (const node of [a, b]) assert.equal((await getJson(`${node.url}/readyz`)).status, 200, 'a node without Redis is still ready');

    const issued = await cc(a);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const check = await getJson(`${b.url}/oauth/introspect`, form({ token: issued.body.access_token, client_id: bot.client_id, client_secret: bot.client_secret }));
    assert.equal(check.body.active, true, 'B verifies what A issued without Redis');
    assert.ok(a.logs().includes('redis unavailable'), 'the fallback is logged');
  });

  test('without Redis each node still limits on its own counters (it does not fail open)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await cc(b)).status);
    const accepted = statuses.filter((s) => s === 200).length;
    assert.ok(accepted <= LIMIT, `at most ${LIMIT} accepted, got ${accepted}`);
    assert.equal(statuses.at(-1), 429);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_rate_limit_rejections_total\{route="\/oauth\/token"\} [1-9]/);
    assert.match(metrics, /gatehouse_cluster_up\{link="redis"\} 0/);
  });

  test('when Redis returns the nodes use it again', async () => {
    redis = await startRedis(port);
    assert.ok(await within(8000, async () => (await redisState(a)) === 'ready' && (await redisState(b)) === 'ready'));
  });
});
