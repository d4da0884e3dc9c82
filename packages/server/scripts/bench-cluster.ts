// Measures one node in the configurations docs/deploy.md sizes from: SQLite; PostgreSQL with the node caches
// (the default); PostgreSQL without them; PostgreSQL + Redis (shared rate-limit and brute-force counters).
// client_credentials and refresh_token throughput, latency, store queries per request, pool use and memory.
// The server runs pinned to core 0 and the load generator to core 1 (bench/lib), configurations take turns
// round after round. A script, not a test.
//
//   npx node packages/server/scripts/bench-cluster.ts [--rounds 3] [--duration 5] [--connections 32]
//     [--postgres postgres://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379] [--only Redis]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CAN_PIN, freePort, pinSelf, spawnServer, waitFor, type Server } from '../../../bench/lib/proc.ts';
import { load, type LoadResult } from '../../../bench/lib/load.ts';
import { ADMIN, BIN, RESOURCE, SECRET_KEY, USER, ccRequest, postToken, setupGatehouse, type Setup } from '../../../bench/lib/gatehouse.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    postgres: { type: 'string', default: process.env.GATEHOUSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    only: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const connections = Number(args.connections);
const log = (line: string) => process.stderr.write(`[bench-cluster ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
pinSelf('1');
if (!CAN_PIN) log('warning: cannot pin (taskset or a second core missing): server and load share the CPU');

interface Config {
  readonly name: string;
  readonly postgres: boolean;
  readonly env: Record<string, string>;
}
const CONFIGS: Config[] = [
  { name: 'SQLite', postgres: false, env: {} },
  { name: 'PostgreSQL, node caches on (default)', postgres: true, env: {} },
  { name: 'PostgreSQL, node caches off', postgres: true, env: { GATEHOUSE_CACHE_TTL_SECONDS: '0' } },
  {
    name: 'PostgreSQL + Redis (shared rate-limit and brute-force counters)',
    postgres: true,
    env: { GATEHOUSE_REDIS_URL: args.redis!, GATEHOUSE_REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}:`, GATEHOUSE_TOKEN_RATE_LIMIT: '1000000000' },
  },
];

interface Running {
  readonly config: Config;
  readonly server: Server;
  readonly setup: Setup;
  readonly dbName?: string;
  readonly refreshPool: string[];
  readonly cc: LoadResult[];
  readonly refresh: LoadResult[];
  queriesPerCc: number[];
  queriesPerRefresh: number[];
  poolInUse: number[];
  idleRss: number;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-cluster-'));
const admin = new pg.Client({ connectionString: args.postgres });
await admin.connect();

async function start(config: Config): Promise<Running> {
  let dbName: string | undefined;
  let databaseUrl: string | undefined;
  if (config.postgres) {
    dbName = `gatehouse_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await admin.query(`create database ${dbName}`);
    const u = new URL(args.postgres!);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const port = await freePort();
  const cliArgs = [BIN, 'start', '--port', String(port), '--data-dir', fs.mkdtempSync(path.join(tmp, 'node-'))];
  if (databaseUrl) cliArgs.push('--database-url', databaseUrl);
  const env: Record<string, string | undefined> = {
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_SECRET_KEY: SECRET_KEY,
    GATEHOUSE_LOG_LEVEL: 'warn',
    ...config.env,
  };
  for (const k of Object.keys(process.env)) if (k.startsWith('GATEHOUSE_') && !(k in env)) env[k] = undefined;
  const server = spawnServer({ name: config.name, cores: '0', args: cliArgs, env, url: `http://127.0.0.1:${port}`, logFile: path.join(tmp, `${port}.log`) });
  await waitFor(config.name, async () => (await fetch(`${server.url}/readyz`)).ok);
  const setup = await setupGatehouse(server);
  return { config, server, setup, ...(dbName ? { dbName } : {}), refreshPool: [], cc: [], refresh: [], queriesPerCc: [], queriesPerRefresh: [], poolInUse: [], idleRss: server.rss() };
}

/**
 * One refresh family per connection and some spare: each request spends a token and returns its successor.
 * A run that ends cuts the requests in flight, whose successors never arrive, so the pool is topped up before each run.
 */
async function topUp(r: Running): Promise<void> {
  const want = connections + 8;
  while (r.refreshPool.length < want) {
    const batch = Array.from({ length: Math.min(8, want - r.refreshPool.length) }, () =>
      postToken(r.server.url, { grant_type: 'password', username: USER.email, password: USER.password, audience: RESOURCE, scope: 'read write offline_access' }),
    );
    for (const res of await Promise.all(batch)) {
      if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
      r.refreshPool.push(res.body.refresh_token as string);
    }
  }
}

const storeQueries = async (url: string) =>
  (await (await fetch(`${url}/metrics`)).text())
    .split('\n')
    .filter((l) => l.startsWith('gatehouse_store_query_duration_seconds_count'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

async function poolInUse(r: Running): Promise<number> {
  if (!r.dbName) return 0;
  const q = await admin.query("select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'gatehouse' and state <> 'idle'", [r.dbName]);
  return q.rows[0].n as number;
}

const nodes: Running[] = [];
for (const c of CONFIGS.filter((x) => !args.only || x.name.includes(args.only!))) {
  log(`starting: ${c.name}`);
  nodes.push(await start(c));
}
for (let round = 1; round <= rounds; round++) {
  for (const r of nodes) {
    const { headers, body } = ccRequest(r.setup.clientId, r.setup.clientSecret, RESOURCE);
    const ccLoad = { url: `${r.server.url}/oauth/token`, connections, method: 'POST', headers, body };
    await load({ ...ccLoad, duration: 1 }); // warm-up
    const q0 = await storeQueries(r.server.url);
    let peakPool = 0;
    const sampler = setInterval(() => void poolInUse(r).then((n) => (peakPool = Math.max(peakPool, n))), 100);
    const cc = await load({ ...ccLoad, duration });
    clearInterval(sampler);
    r.poolInUse.push(peakPool);
    r.queriesPerCc.push(((await storeQueries(r.server.url)) - q0) / Math.max(1, cc.ok + cc.failed));
    r.cc.push(cc);
    await topUp(r);
    const q1 = await storeQueries(r.server.url);
    const pool = r.refreshPool;
    const refresh = await load({
      url: `${r.server.url}/oauth/token`,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${pool.pop() ?? 'pool-empty'}` }),
          onResponse: (status, text) => {
            if (status === 200) pool.push((JSON.parse(text) as { refresh_token: string }).refresh_token);
          },
        },
      ],
    });
    r.refresh.push(refresh);
    r.queriesPerRefresh.push(((await storeQueries(r.server.url)) - q1) / Math.max(1, refresh.ok + refresh.failed));
    log(`round ${round} ${r.config.name}: client_credentials ${Math.round(cc.rps)}/s p99 ${cc.p99.toFixed(1)} ms; refresh ${Math.round(refresh.rps)}/s p99 ${refresh.p99.toFixed(1)} ms${cc.failed + refresh.failed ? ` FAILED ${cc.failed}+${refresh.failed}` : ''}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], d = 0) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
const lines = [
  `One node, server on one core, ${connections} keep-alive connections, ${rounds} round(s) of ${duration} s; median (min–max). ${new Date().toISOString().slice(0, 16)} UTC, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
  '',
  '| configuration | client_credentials req/s | p99 ms | store queries per request | refresh_token req/s | p99 ms | store queries per refresh | pool connections busy (peak of 100 ms samples) | RSS MiB idle / after load |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...nodes.map(
    (r) =>
      `| ${r.config.name} | ${range(r.cc.map((x) => x.rps))} | ${median(r.cc.map((x) => x.p99)).toFixed(1)} | ${median(r.queriesPerCc).toFixed(2)} | ${range(r.refresh.map((x) => x.rps))} | ${median(r.refresh.map((x) => x.p99)).toFixed(1)} | ${median(r.queriesPerRefresh).toFixed(1)} | ${r.config.postgres ? Math.max(...r.poolInUse) : '–'} | ${Math.round(r.idleRss)} / ${Math.round(r.server.rss())} |`,
  ),
];
process.stdout.write(lines.join('\n') + '\n');

for (const r of nodes) {
  await r.server.stop();
  if (r.dbName) await admin.query(`drop database if exists ${r.dbName} with (force)`);
}
await admin.end();
fs.rmSync(tmp, { recursive: true, force: true });
