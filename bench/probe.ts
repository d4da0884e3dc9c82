/**
 * A quick look at a few client_credentials contenders while working on the token path, without the whole run:
 * the same servers, pinning and request as `npm run bench`, rounds alternating between the contenders.
 *
 *   npx node bench/probe.ts                                  # gatehouse, oidc-provider, limit; 32 conns; 3 × 5 s
 *   npx node bench/probe.ts --only gatehouse,gatehouse-reuse --rounds 5 --duration 10 --connections 8
 *   npx node bench/probe.ts --only gatehouse --cpu-prof      # writes a .cpuprofile and prints where the time went
 *
 * Prints requests/s, p50/p99, idle RSS and the time from spawn to the first token of each. Nothing is written
 * to docs/: numbers for the docs come from `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pinSelf, type Server } from './lib/proc.ts';
import { load } from './lib/load.ts';
import { REUSE_RESOURCE, RESOURCE, ccRequest, ready, setupGatehouse, startGatehouse } from './lib/gatehouse.ts';
import { type MinimalKey, firstToken, startContender } from './lib/contenders.ts';
import { processCpu, summariseProfile } from './lib/profile.ts';
import { fmt, spread } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'gatehouse,oidc-provider,limit' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    'cpu-prof': { type: 'boolean', default: false },
    /** GATEHOUSE_X=Y for the Gatehouse contenders, repeatable. */
    env: { type: 'string', multiple: true, default: [] },
    /** A Node flag for the Gatehouse contenders (e.g. --node-flag=--max-semi-space-size=4), repeatable. */
    'node-flag': { type: 'string', multiple: true, default: [] },
  },
});
const KNOWN = ['gatehouse', 'gatehouse-warn', 'gatehouse-reuse', 'oidc-provider', 'limit', 'limit-fastify', 'limit-fast', 'trivial', 'trivial-fastify'] as const;
type Base = (typeof KNOWN)[number];
/** A contender, optionally a Gatehouse variant with its own settings: `gatehouse-reuse+GATEHOUSE_METRICS=false`. */
type Key = string;
const baseOf = (k: Key): Base => k.split('+')[0] as Base;
/** NAME=VALUE settings as an environment; `where` names the option in the error. */
const settings = (list: readonly string[], where: string): Record<string, string> =>
  Object.fromEntries(
    list.map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new Error(`${where}: expected NAME=VALUE, got "${kv}"`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
const envOf = (k: Key) => settings(k.split('+').slice(1), `--only ${k}`);
const keys: Key[] = args.only!.split(',');
for (const k of keys) {
  if (!KNOWN.includes(baseOf(k))) throw new Error(`--only: unknown contender "${k}" (known: ${KNOWN.join(', ')}, each Gatehouse one with +NAME=VALUE settings)`);
  if (k.includes('+') && !baseOf(k).startsWith('gatehouse')) throw new Error(`--only ${k}: only Gatehouse contenders take settings`);
}
const conns = Number(args.connections);
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const extraEnv = settings(args.env!, '--env');

pinSelf('1');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-probe-'));
const log = (s: string) => process.stderr.write(`[probe] ${s}\n`);
log(`scratch dir ${tmp}`);
const base = path.join(tmp, 'base');
const setupServer = await startGatehouse({ name: 'setup', dataDir: base, logFile: path.join(tmp, 'setup.log'), cores: '0' });
await ready(setupServer);
const setup = await setupGatehouse(setupServer);
await setupServer.stop();

const servers = new Map<Key, Server>();
const info = new Map<Key, { startup: number; idle: number; rps: number[]; cpu: number[]; p50: number[]; p99: number[]; rssLoad: number }>();
const requestOf = (key: Key) => ccRequest(setup.clientId, setup.clientSecret, baseOf(key) === 'gatehouse-reuse' ? REUSE_RESOURCE : RESOURCE);
for (const key of keys) {
  const logFile = path.join(tmp, `${key}.log`);
  let s: Server;
  if (baseOf(key).startsWith('gatehouse')) {
    const dir = path.join(tmp, key);
    fs.cpSync(base, dir, { recursive: true });
    const nodeArgs = [...args['node-flag']!, ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${tmp}`] : [])];
    s = await startGatehouse({ name: key, dataDir: dir, logFile, cores: '0', logLevel: baseOf(key) === 'gatehouse-warn' ? 'warn' : 'info', nodeArgs, env: { ...extraEnv, ...envOf(key) } });
  } else {
    s = await startContender(baseOf(key) as MinimalKey, setup, '0', logFile);
  }
  const startup = await firstToken(s, requestOf(key));
  await new Promise((r) => setTimeout(r, 1000));
  info.set(key, { startup, idle: s.rss(), rps: [], cpu: [], p50: [], p99: [], rssLoad: 0 });
  servers.set(key, s);
}
for (let r = 1; r <= rounds; r++) {
  for (const key of keys) {
    const s = servers.get(key)!;
    const opts = { url: `${s.url}/oauth/token`, method: 'POST', ...requestOf(key), connections: conns };
    if (warmup > 0) await load({ ...opts, duration: warmup, warmup: 0 });
    // CPU time (user + system, all threads) per request: steadier than requests/s on a machine whose speed drifts.
    const cpuBefore = processCpu(s.child.pid!);
    const res = await load({ ...opts, duration, warmup: 0 });
    const cpuPerRequest = ((processCpu(s.child.pid!) - cpuBefore) * 1e6) / Math.max(1, res.ok + res.failed);
    const i = info.get(key)!;
    i.rps.push(res.rps);
    i.cpu.push(cpuPerRequest);
    i.p50.push(res.p50);
    i.p99.push(res.p99);
    i.rssLoad = Math.max(i.rssLoad, s.rss());
    log(`round ${r} ${key}: ${Math.round(res.rps)} req/s, ${cpuPerRequest.toFixed(0)} µs CPU/request, p50 ${res.p50.toFixed(2)} p99 ${res.p99.toFixed(2)} ms${res.failed ? ` FAILED ${res.failed} (${res.firstFailure})` : ''}`);
  }
}
for (const s of servers.values()) await s.stop();
console.log(`\n${conns} connections, ${rounds} × ${duration} s, load average ${os.loadavg()[0]!.toFixed(2)}`);
const width = Math.max(9, ...keys.map((k) => k.length));
const vsFirst = `vs ${keys[0]}, round by round`;
console.log(`${'contender'.padEnd(width)} ${'req/s (min–max)'.padEnd(22)} ${vsFirst.padEnd(vsFirst.length + 2)} ${'CPU µs/req (min–max)'.padEnd(21)} p50 ms  p99 ms  start-up ms  idle MiB  load MiB`);
const firstRps = info.get(keys[0]!)!.rps;
const median = (xs: readonly number[]) => spread(xs).median;
for (const [key, i] of info) {
  const ratio = spread(i.rps.map((x, n) => x / (firstRps[n] ?? NaN)));
  const ratioText = `${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`;
  console.log(
    `${key.padEnd(width)} ${fmt(spread(i.rps)).padEnd(22)} ${ratioText.padEnd(vsFirst.length + 2)} ${fmt(spread(i.cpu)).padEnd(21)} ${median(i.p50).toFixed(2).padStart(6)}  ${median(i.p99).toFixed(1).padStart(6)}  ${Math.round(i.startup).toString().padStart(11)}  ${i.idle.toFixed(1).padStart(8)}  ${i.rssLoad.toFixed(1).padStart(8)}`,
  );
}
if (args['cpu-prof']) {
  const file = fs.readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
  if (file) {
    const s = summariseProfile(path.join(tmp, file), undefined, 20);
    console.log(`\nprofile ${path.join(tmp, file)}`);
    for (const c of s.components.slice(0, 12)) console.log(`  ${c.name.padEnd(60)} ${c.ms.toFixed(0).padStart(6)} ms ${(c.share * 100).toFixed(0).padStart(3)} %`);
    console.log('  top functions:');
    for (const f of s.topSelf.slice(0, 20)) console.log(`  ${f.fn.padEnd(28)} ${f.where.padEnd(60)} ${f.ms.toFixed(0).padStart(6)} ms`);
  }
}
