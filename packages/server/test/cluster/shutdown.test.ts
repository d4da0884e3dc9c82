// Graceful shutdown of a PostgreSQL (+ Redis) node: close() drains, then closes the pool, the notification
// listener and the Redis connections, so PostgreSQL and Redis see no connection left from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';
import { POSTGRES_URL, createTestDatabase } from '../support/postgres.ts';
import { REDIS_URL, clusterSkipReason, warnSkipped, within } from './support.ts';

const skip = clusterSkipReason({ redis: true });
warnSkipped('cluster shutdown suite', skip);

test('close() leaves no PostgreSQL or Redis connection behind', { skip }, async () => {
  const db = await createTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shutdown-'));
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  const redis = new Redis(REDIS_URL!, { lazyConnect: true });
  await admin.connect();
  await redis.connect();
  try {
    const config = loadConfig(['--port', '0', '--data-dir', dir, '--database-url', db.url, '--redis-url', REDIS_URL!], {
      GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString('hex'),
      GATEHOUSE_ADMIN_PASSWORD: 'shutdown-admin-password',
      GATEHOUSE_LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, { print: () => undefined });
    const name = new URL(db.url).pathname.slice(1);
    const connections = async () => Number((await admin.query('select count(*) as n from pg_stat_activity where datname = $1', [name])).rows[0].n);
    const redisClients = async () => ((await redis.call('CLIENT', 'LIST')) as string).split('\n').filter((l) => l.includes(`name=gatehouse:${server.ctx.cluster!.nodeId}`)).length;

    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    assert.ok((await connections()) >= 2, 'the pool and the listener are connected');
    assert.equal(await redisClients(), 2, 'commands and subscriber');

    await server.close();
    assert.ok(await within(3000, async () => (await connections()) === 0), 'no PostgreSQL connection left');
    assert.ok(await within(3000, async () => (await redisClients()) === 0), 'no Redis connection left');
  } finally {
    redis.disconnect();
    await admin.end();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
