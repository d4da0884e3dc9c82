/**
 * `npm run bench`: Gatehouse side by side with the incumbents, in one run, and docs/benchmarks.md rewritten
 * from the numbers. Servers run pinned to core 0 (taskset), this process and its load generator (autocannon,
 * keep-alive) to core 1; contenders take turns, round after round, so drift on the machine hits all alike.
 *
 *   npm run bench                     # the full run, about 13 minutes on 2 cores
 *   npm run bench -- --quick          # a short run (1 round, 2 s per point, fewer points), about 3 minutes
 *   npm run bench -- --no-million     # skip seeding 1,000,000 bots (about 1.5 minutes of the full run)
 *   npm run bench -- --keep           # keep the scratch dir: server logs and the .cpuprofile
 *   npm run bench -- --report-from /tmp/gatehouse-bench-X/results.json   # rewrite the report from a kept run
 *   options: --rounds N --duration S --connections 1,8,32,128 --bots 10,10000 --postgres URL --out FILE
 *
 * A script, not a test: it is not part of `npm test`.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CAN_PIN, pinSelf, pinned, type Server } from './lib/proc.ts';
import { type MinimalKey, firstToken, startContender } from './lib/contenders.ts';
import { load, type LoadResult } from './lib/load.ts';
import { REUSE_RESOURCE, USER, ccRequest, ready, refreshTokens, rotatingRefresh, setupGatehouse, startGatehouse, type Setup } from './lib/gatehouse.ts';
import { seedBots, seededBot } from './seed-bots.ts';
import { type BenchDatabase, createBenchDatabase } from './lib/postgres.ts';
import { processCpu, summariseProfile, threadCpu } from './lib/profile.ts';
import { writeReport, type Results, CC_CONTENDERS, type CcKey } from './lib/report.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'report-from': { type: 'string' },
    'no-million': { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    bots: { type: 'string' },
    postgres: { type: 'string', default: process.env.GATEHOUSE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    out: { type: 'string', default: path.join(ROOT, 'docs/benchmarks.md') },
  },
});
if (args['report-from']) {
  const saved = JSON.parse(fs.readFileSync(args['report-from'], 'utf8')) as Results;
  saved.started = new Date(saved.started);
  saved.finished = new Date(saved.finished);
  if (saved.profile?.window && fs.existsSync(saved.profile.file)) saved.profile.summary = summariseProfile(saved.profile.file, saved.profile.window);
  console.error(`wrote ${writeReport(saved, args.out!).join(', ')}`);
  process.exit(0);
}
const quick = args.quick;
const rounds = Number(args.rounds ?? (quick ? 1 : 3));
const duration = Number(args.duration ?? (quick ? 2 : 5));
const warmup = quick ? 0.5 : 1;
const connections = (args.connections ?? (quick ? '1,32' : '1,8,32,128')).split(',').map(Number);
const HEADLINE = connections.includes(32) ? 32 : connections[connections.length - 1]!;
const botCounts = (args.bots ?? (quick ? '10,10000' : args['no-million'] ? '10,10000' : '10,10000,1000000')).split(',').map(Number);
const SERVER_CORE = '0';
const LOAD_CORE = '1';

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
pinSelf(LOAD_CORE);
if (!CAN_PIN) log('warning: taskset or a second core is missing; servers and load generator share the CPU');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
// Every server of the run (all contenders alike) keeps Node's compile cache in the scratch dir: `gatehouse` turns
// the cache on by itself, and a run should neither profit from nor pay for what earlier runs left in /tmp. The
// first-start row below uses an empty cache of its own, as a fresh install has.
process.env.NODE_COMPILE_CACHE = path.join(tmp, 'compile-cache');
const logs = path.join(tmp, 'logs');
fs.mkdirSync(logs);
const started = new Date();
const t0 = performance.now();
const loadBefore = os.loadavg()[0]!;
const running = new Set<Server>();
const track = (s: Server) => (running.add(s), s);
async function stop(s: Server): Promise<void> {
  running.delete(s);
  await s.stop();
}
process.once('SIGINT', () => {
  for (const s of running) s.child.kill('SIGKILL');
  process.exit(130);
});

// ---------------------------------------------------------------------------------------------------------
// Set-up: one Gatehouse data dir made over the management API; every Gatehouse contender gets its own copy.
log(`scratch dir ${tmp}`);
const baseDir = path.join(tmp, 'base');
let setup: Setup;
{
  const s = track(await startGatehouse({ name: 'setup', dataDir: baseDir, logFile: path.join(logs, 'setup.log'), cores: SERVER_CORE }));
  await ready(s);
  setup = await setupGatehouse(s);
  await stop(s);
}
const dirOf = (name: string): string => {
  const d = path.join(tmp, name);
  if (!fs.existsSync(d)) fs.cpSync(baseDir, d, { recursive: true });
  return d;
};
const cc = ccRequest(setup.clientId, setup.clientSecret);
const ccReuse = ccRequest(setup.clientId, setup.clientSecret, REUSE_RESOURCE);
log(`server-side token reuse in this build: ${setup.reuse ? 'yes' : 'no'}`);

const ccKeys: CcKey[] = CC_CONTENDERS.map((c) => c.key).filter((k) => k !== 'gatehouse-reuse' || setup.reuse);

async function startCc(key: CcKey): Promise<Server> {
  const logFile = path.join(logs, `${key}.log`);
  if (key.startsWith('gatehouse')) {
    const logLevel = key === 'gatehouse-warn' ? 'warn' : 'info';
    return track(await startGatehouse({ name: key, dataDir: dirOf(key), logFile, cores: SERVER_CORE, logLevel }));
  }
  return track(await startContender(key as MinimalKey, setup, SERVER_CORE, logFile));
}
const requestOf = (key: CcKey) => (key === 'gatehouse-reuse' ? ccReuse : cc);
const settle = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));

const results: Results = {
  started,
  finished: started,
  seconds: 0,
  command: `npm run bench${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  machine: {
    cores: os.cpus().length, // not availableParallelism(): this process is pinned to one core by now
    cpu: (/model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown').trim(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    kernel: os.release(),
    loadBefore,
    loadAfter: 0,
    pinned: CAN_PIN,
  },
  commit: (() => {
    try {
      return execFileSync('git', ['-C', ROOT, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
  options: { rounds, duration, warmup, connections, headline: HEADLINE, bots: botCounts, quick },
  reuseAvailable: setup.reuse,
  cc: Object.fromEntries(ccKeys.map((k) => [k, Object.fromEntries(connections.map((c) => [c, [] as LoadResult[]]))])) as Results['cc'],
  startup: {},
  idleRss: {},
  loadRss: {},
  firstStart: [],
  password: { connections: 8, gatehouse: [], argon2: [] },
  refresh: { connections: HEADLINE, sqlite: [], postgres: [] },
  bots: {},
  botsSeedSeconds: {},
  workers: { connections: HEADLINE, one: [], two: [], processes: { one: 0, two: 0 } },
};

// ---------------------------------------------------------------------------------------------------------
// 1 + 5. client_credentials: throughput and latency per connection count; start-up and memory on the way.
log(`client_credentials: ${ccKeys.join(', ')}; connections ${connections.join(', ')}; ${rounds} round(s) of ${duration} s`);
{
  const servers = new Map<CcKey, Server>();
  for (const key of ccKeys) {
    const s = await startCc(key);
    (results.startup[key] ??= []).push(await firstToken(s, requestOf(key)));
    await settle(1000);
    (results.idleRss[key] ??= []).push(s.rss());
    servers.set(key, s);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const conns of connections) {
      for (const key of ccKeys) {
        const s = servers.get(key)!;
        const req = requestOf(key);
        const r = await load({ url: `${s.url}/oauth/token`, method: 'POST', headers: req.headers, body: req.body, connections: conns, duration, warmup, cpuSeconds: () => processCpu(s.child.pid!) });
        results.cc[key]![conns]!.push(r);
        (results.loadRss[key] ??= []).push(s.rss());
        log(`  round ${round} c=${conns} ${key}: ${Math.round(r.rps)} req/s ${Math.round(r.cpuUs ?? NaN)} CPU µs/req p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms${r.failed ? ` FAILED ${r.failed} (first ${r.firstFailure})` : ''}`);
      }
    }
  }
  for (const s of servers.values()) await stop(s);
  // More start-up samples: a restart on the same data, to the first token, then idle memory.
  for (let rep = 1; rep < Math.max(rounds, 3); rep++) {
    for (const key of ccKeys) {
      const s = await startCc(key);
      results.startup[key]!.push(await firstToken(s, requestOf(key)));
      await settle(1000);
      results.idleRss[key]!.push(s.rss());
      await stop(s);
    }
  }
  // The very first start: empty data dir, migrations, key generation, the admin's argon2id hash.
  for (let rep = 0; rep < 3; rep++) {
    const s = track(
      await startGatehouse({
        name: 'first-start',
        dataDir: path.join(tmp, `empty-${rep}`),
        logFile: path.join(logs, 'first-start.log'),
        cores: SERVER_CORE,
        env: { NODE_COMPILE_CACHE: path.join(tmp, `cold-compile-cache-${rep}`) },
      }),
    );
    await ready(s);
    results.firstStart.push(performance.now() - s.spawnedAt);
    await stop(s);
  }
  log(`  start-up to first token (ms): ${ccKeys.map((k) => `${k} ${results.startup[k]!.map(Math.round).join('/')}`).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------
// 2. password grant vs raw argon2id on the same core.
log('password grant vs raw argon2id');
{
  const s = track(await startGatehouse({ name: 'password', dataDir: dirOf('gh-password'), logFile: path.join(logs, 'password.log'), cores: SERVER_CORE }));
  await ready(s);
  const body = new URLSearchParams({ grant_type: 'password', username: USER.email, password: USER.password }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  for (let round = 1; round <= rounds; round++) {
    const r = await load({ url: `${s.url}/oauth/token`, method: 'POST', headers, body, connections: results.password.connections, duration, warmup });
    results.password.gatehouse.push(r);
    const [cmd, a] = pinned(SERVER_CORE, process.execPath, [here('./contenders/argon2.ts'), String(duration), String(results.password.connections)]);
    const raw = JSON.parse(execFileSync(cmd, a, { encoding: 'utf8' })) as { rate: number };
    results.password.argon2.push(raw.rate);
    log(`  round ${round}: Gatehouse ${r.rps.toFixed(1)} logins/s (failed ${r.failed}), raw argon2id ${raw.rate.toFixed(1)}/s`);
  }
  await stop(s);
}

// ---------------------------------------------------------------------------------------------------------
// 3. refresh grant (rotation: a read and a write per request) on SQLite and PostgreSQL.
log('refresh grant: SQLite and PostgreSQL');
{
  const pgAdminUrl = args.postgres!;
  let database: BenchDatabase | undefined;
  try {
    database = await createBenchDatabase(pgAdminUrl, `gatehouse_bench_${process.pid}`);
  } catch (err) {
    results.refresh.postgresSkipped = `PostgreSQL at ${pgAdminUrl.replace(/\/\/[^@]*@/, '//')} not usable: ${(err as Error).message}`;
    log(`  ${results.refresh.postgresSkipped}`);
  }
  const stores: { key: 'sqlite' | 'postgres'; server: Server; setup: Setup }[] = [];
  const sq = track(await startGatehouse({ name: 'refresh-sqlite', dataDir: dirOf('gh-refresh'), logFile: path.join(logs, 'refresh-sqlite.log'), cores: SERVER_CORE }));
  await ready(sq);
  stores.push({ key: 'sqlite', server: sq, setup });
  if (database) {
    const p = track(await startGatehouse({ name: 'refresh-postgres', dataDir: path.join(tmp, 'gh-refresh-pg'), databaseUrl: database.url, logFile: path.join(logs, 'refresh-postgres.log'), cores: SERVER_CORE }));
    await ready(p);
    stores.push({ key: 'postgres', server: p, setup: await setupGatehouse(p) });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const { key, server, setup: st } of stores) {
      const pool = await refreshTokens(server.url, st, results.refresh.connections * 2 + 16);
      const r = await load({ url: `${server.url}/oauth/token`, connections: results.refresh.connections, duration, warmup, requests: [rotatingRefresh(pool)] });
      results.refresh[key].push(r);
      log(`  round ${round} ${key}: ${Math.round(r.rps)} refreshes/s p99 ${r.p99.toFixed(1)} ms${r.failed ? ` FAILED ${r.failed} (first ${r.firstFailure})` : ''}`);
    }
  }
  for (const { server } of stores) await stop(server);
  await database?.drop();
}

// ---------------------------------------------------------------------------------------------------------
// 6b. scaling with the number of bots in the store (connections scaling is phase 1).
log(`bots in the store: ${botCounts.join(', ')}`);
{
  const servers = new Map<number, { server: Server; requests: { headers: Record<string, string>; body: string }[] }>();
  for (const n of botCounts) {
    const dir = path.join(tmp, `bots-${n}`);
    const t = performance.now();
    await seedBots(dir, n, (line) => log(line));
    results.botsSeedSeconds[n] = (performance.now() - t) / 1000;
    log(`  seeded ${n} bots in ${results.botsSeedSeconds[n]!.toFixed(1)} s`);
    const server = track(await startGatehouse({ name: `bots-${n}`, dataDir: dir, logFile: path.join(logs, `bots-${n}.log`), cores: SERVER_CORE }));
    await ready(server);
    // Each request presents a bot drawn at random: all of them up to 10,000, else 10,000 drawn from the whole range.
    const picks = n <= 10_000 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 10_000 }, () => Math.floor(Math.random() * n));
    const requests = picks.map((i) => {
      const b = seededBot(i);
      return ccRequest(b.clientId, b.secret);
    });
    servers.set(n, { server, requests });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const [n, { server, requests }] of servers) {
      const r = await load({
        url: `${server.url}/oauth/token`,
        connections: HEADLINE,
        duration,
        warmup,
        requests: [
          {
            method: 'POST',
            path: '/oauth/token',
            setupRequest: (req) => {
              const pick = requests[Math.floor(Math.random() * requests.length)]!;
              return { ...req, headers: pick.headers, body: pick.body };
            },
          },
        ],
      });
      (results.bots[n] ??= []).push(r);
      log(`  round ${round} ${n} bots: ${Math.round(r.rps)} req/s p99 ${r.p99.toFixed(1)} ms${r.failed ? ` FAILED ${r.failed} (first ${r.firstFailure})` : ''}`);
    }
  }
  for (const { server } of servers.values()) await stop(server);
  for (const n of botCounts) fs.rmSync(path.join(tmp, `bots-${n}`), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// 7. --workers 1 vs 2 (node:cluster): the server may use both cores, the load generator stays on core 1.
log('workers: 1 vs 2');
{
  const servers: { key: 'one' | 'two'; server: Server }[] = [];
  for (const [key, workers] of [['one', 1], ['two', 2]] as const) {
    const server = track(await startGatehouse({ name: `workers-${workers}`, dataDir: dirOf(`gh-workers-${workers}`), logFile: path.join(logs, `workers-${workers}.log`), cores: '0,1', workers }));
    await ready(server);
    await firstToken(server, cc);
    servers.push({ key, server });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const { key, server } of servers) {
      const r = await load({ url: `${server.url}/oauth/token`, method: 'POST', headers: cc.headers, body: cc.body, connections: HEADLINE, duration, warmup });
      results.workers[key].push(r);
      results.workers.processes[key] = Math.max(results.workers.processes[key], server.processes());
      log(`  round ${round} workers=${key}: ${Math.round(r.rps)} req/s (${server.processes()} processes)`);
    }
  }
  for (const { server } of servers) await stop(server);
}

// ---------------------------------------------------------------------------------------------------------
// 8. Profile of the token path: node --cpu-prof on the main thread, CPU per thread from /proc.
log('profiling the client_credentials path');
{
  const profDir = path.join(tmp, 'profile');
  const s = track(await startGatehouse({ name: 'profile', dataDir: dirOf('gh-profile'), logFile: path.join(logs, 'profile.log'), cores: SERVER_CORE, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] }));
  await ready(s);
  const opts = { url: `${s.url}/oauth/token`, method: 'POST', headers: cc.headers, body: cc.body, connections: HEADLINE };
  await load({ ...opts, duration: warmup * 2 });
  const before = threadCpu(s.child.pid!);
  const seconds = Math.max(5, duration * 2);
  const from = Number(process.hrtime.bigint() / 1000n);
  const r = await load({ ...opts, duration: seconds });
  const to = Number(process.hrtime.bigint() / 1000n);
  const after = threadCpu(s.child.pid!);
  await stop(s);
  const file = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const threads = [...after].map(([name, secs]) => ({ name, cpuSeconds: secs - (before.get(name) ?? 0) })).filter((t) => t.cpuSeconds > 0.005);
  results.profile = { rps: r.rps, seconds, threads, summary: summariseProfile(path.join(profDir, file), [from, to]), file: path.join(profDir, file), window: [from, to] };
  log(`  ${Math.round(r.rps)} req/s under the profiler; ${results.profile.summary.components.slice(0, 4).map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------
// 4. Verification (bench/verify, its own interleaving) and the SDK's per-call overhead (bench/client).
async function capture(cmd: string, a: string[]): Promise<string> {
  const child = spawn(cmd, a, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${a.join(' ')} exited with ${code}: ${err}`);
  return out.trim();
}
{
  const verifyArgs = ['bench/verify/run.ts', '--rounds', String(rounds), '--duration', quick ? '2' : '3'];
  log(`verification: ${verifyArgs.join(' ')} (both cores, as that benchmark is designed)`);
  const [cmd, a] = pinned('0,1', process.execPath, verifyArgs);
  results.verify = { command: `npx node ${verifyArgs.join(' ')}`, output: await capture(cmd, a) };
  const sdkArgs = ['bench/client/overhead.ts', '--seconds', quick ? '0.5' : '1'];
  log(`SDK overhead: ${sdkArgs.join(' ')}`);
  const [cmd2, a2] = pinned(SERVER_CORE, process.execPath, sdkArgs);
  results.sdk = { command: `npx node ${sdkArgs.join(' ')}`, output: await capture(cmd2, a2) };
}

results.finished = new Date();
results.seconds = (performance.now() - t0) / 1000;
results.machine.loadAfter = os.loadavg()[0]!;
fs.writeFileSync(path.join(tmp, 'results.json'), JSON.stringify(results));
const written = writeReport(results, args.out!);
log(`wrote ${written.join(', ')} in ${Math.round(results.seconds)} s`);
if (args.keep) log(`kept ${tmp} (logs, CPU profile)`);
else fs.rmSync(tmp, { recursive: true, force: true });
