// Turns one run's numbers into docs/benchmarks.md and the throughput plot beside it.
import fs from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.ts';
import { lineChart } from './png.ts';
import type { ProfileSummary } from './profile.ts';
import { fmt, ms, ratio, spread, type Spread } from './stats.ts';

export const CC_CONTENDERS = [
  { key: 'gatehouse', label: 'Gatehouse', what: '`gatehouse start`, SQLite, ES256, defaults (log level `info`: one JSON line per request to a file)' },
  { key: 'gatehouse-warn', label: 'Gatehouse, log level warn', what: 'the same with `GATEHOUSE_LOG_LEVEL=warn` (no per-request log line)' },
  { key: 'gatehouse-reuse', label: 'Gatehouse, reuse_tokens', what: 'the same server, an API created with `"reuse_tokens": true`' },
  { key: 'oidc-provider', label: 'oidc-provider', what: 'node-oidc-provider (latest), client credentials, resource indicator with `accessTokenFormat: "jwt"`, ES256, its in-memory adapter (`bench/contenders/oidc-provider.ts`)' },
  { key: 'limit', label: 'limit: node:http + jose', what: 'the minimal endpoint: `node:http`, parse the form and Basic header, SHA-256 of the secret, sign the same claims with jose (`bench/contenders/limit.ts`)' },
  { key: 'limit-fastify', label: 'limit on Fastify', what: 'the same minimal endpoint served by Fastify without plugins or logger (`bench/contenders/limit-fastify.ts`): the floor of the framework Gatehouse is built on' },
  { key: 'limit-fast', label: 'limit: node:http + batched sync ES256', what: 'the machine\'s limit: the same endpoint with the signature made synchronously by `node:crypto` (Gatehouse\'s signer), the signatures of one event-loop turn back to back (`bench/contenders/limit-fast.ts`)' },
  { key: 'trivial', label: 'trivial node:http', what: 'the HTTP floor: `node:http` answering a fixed token-sized JSON (`bench/contenders/trivial.ts`)' },
  { key: 'trivial-fastify', label: 'trivial Fastify', what: 'the framework floor: Fastify answering the same fixed JSON (`bench/contenders/trivial-fastify.ts`); the yardstick of a reuse hit' },
] as const;
export type CcKey = (typeof CC_CONTENDERS)[number]['key'];

export interface Results {
  started: Date;
  finished: Date;
  seconds: number;
  command: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; kernel: string; loadBefore: number; loadAfter: number; pinned: boolean };
  commit: string;
  options: { rounds: number; duration: number; warmup: number; connections: number[]; headline: number; bots: number[]; quick: boolean };
  reuseAvailable: boolean;
  cc: Partial<Record<CcKey, Record<number, LoadResult[]>>>;
  startup: Partial<Record<CcKey, number[]>>;
  idleRss: Partial<Record<CcKey, number[]>>;
  loadRss: Partial<Record<CcKey, number[]>>;
  firstStart: number[];
  password: { connections: number; gatehouse: LoadResult[]; argon2: number[] };
  refresh: { connections: number; sqlite: LoadResult[]; postgres: LoadResult[]; postgresSkipped?: string };
  bots: Record<number, LoadResult[]>;
  botsSeedSeconds: Record<number, number>;
  workers: { connections: number; one: LoadResult[]; two: LoadResult[]; processes: { one: number; two: number } };
  profile?: { rps: number; seconds: number; threads: { name: string; cpuSeconds: number }[]; summary: ProfileSummary; file: string; window?: [number, number] };
  verify?: { command: string; output: string };
  sdk?: { command: string; output: string };
}

const label = (k: CcKey) => CC_CONTENDERS.find((c) => c.key === k)!.label;
const rpsOf = (rs: readonly LoadResult[] | undefined): Spread => spread((rs ?? []).map((r) => r.rps));
const med = (rs: readonly LoadResult[] | undefined, f: (r: LoadResult) => number) => spread((rs ?? []).map(f)).median;
const failed = (rs: readonly LoadResult[] | undefined) => (rs ?? []).reduce((n, r) => n + r.failed, 0);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

function verdict(value: number, target: number, higherIsBetter = true): string {
  if (!Number.isFinite(value)) return 'not measured';
  const ok = higherIsBetter ? value >= target : value <= target;
  if (ok) return '**met**';
  return higherIsBetter ? `**missed**: ${(value / target * 100).toFixed(0)} % of the target` : `**missed**: ${(value / target).toFixed(1)}× the target`;
}

/** Ratio of a to b round by round (the rounds alternate, so each pair saw the same machine): median (min–max). */
function paired(a: readonly LoadResult[] | undefined, b: readonly LoadResult[] | undefined): Spread {
  const n = Math.min(a?.length ?? 0, b?.length ?? 0);
  return spread(Array.from({ length: n }, (_, i) => a![i]!.rps / b![i]!.rps));
}
const times = (s: Spread) => (s.n > 1 ? `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : `${s.median.toFixed(2)}×`);

/** The ratio of express-gatehouse to express-auth0 in bench/verify's table. */
function verifyRatio(output: string | undefined): { gatehouse: number; auth0: number } | undefined {
  if (!output) return undefined;
  const row = (name: string) => Number(new RegExp(`^\\| ${name} \\| (\\d+) \\|`, 'm').exec(output)?.[1]);
  const g = row('express-gatehouse');
  const a = row('express-auth0');
  return Number.isFinite(g) && Number.isFinite(a) ? { gatehouse: g, auth0: a } : undefined;
}

export function writeReport(r: Results, outFile: string): string[] {
  const H = r.options.headline;
  const ccKeys = Object.keys(r.cc) as CcKey[];
  const at = (k: CcKey, c = H) => r.cc[k]?.[c];
  const rps = (k: CcKey, c = H) => rpsOf(at(k, c)).median;
  const png = path.join(path.dirname(outFile), 'benchmarks-throughput.png');
  const lines: string[] = [];
  const out = (...l: string[]) => lines.push(...l);
  const o = r.options;

  const pOidc = paired(at('gatehouse'), at('oidc-provider'));
  const pLimit = paired(at('gatehouse'), at('limit'));
  const pFast = paired(at('gatehouse'), at('limit-fast'));
  const pReuseTrivial = paired(at('gatehouse-reuse'), at('trivial-fastify'));
  const cpuAt = (k: CcKey, c = H) => med(at(k, c), (x) => x.cpuUs ?? NaN);
  const rssOf = (k: CcKey) => spread(r.idleRss[k] ?? []).median;
  const loadRssOf = (k: CcKey) => spread(r.loadRss[k] ?? []).median;
  const oneConn = o.connections.includes(1) ? 1 : undefined;
  const pWarnLimit = paired(at('gatehouse-warn'), at('limit'));
  const pReuse = paired(at('gatehouse-reuse'), at('oidc-provider'));
  const ccVsOidc = pOidc.median;
  const ccVsLimit = pLimit.median;
  const reuseVsOidc = r.reuseAvailable ? pReuse.median : NaN;
  const pPw = spread(r.password.gatehouse.map((g, i) => g.rps / (r.password.argon2[i] ?? NaN)));
  const pwRatio = pPw.median;
  const v = verifyRatio(r.verify?.output);
  const idle = spread(r.idleRss.gatehouse ?? []).median;
  const start = spread(r.startup.gatehouse ?? []).median;
  const botsKeys = Object.keys(r.bots).map(Number).sort((a, b) => a - b);
  const pBots = botsKeys.length > 1 ? paired(r.bots[botsKeys[botsKeys.length - 1]!], r.bots[botsKeys[0]!]) : spread([]);
  const botsFlat = pBots.median;

  out(
    '# Benchmarks',
    '',
    `Generated by \`${r.command}\` (\`bench/run.ts\`) on ${r.started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Do not edit the numbers by hand: rerun it.`,
    `The analysis at the end ([where the time goes](#where-the-time-goes)) is written by hand from the profile of a run like this one.`,
    '',
    '| | |',
    '| --- | --- |',
    `| machine | ${r.machine.cores} cores, ${r.machine.cpu}, ${r.machine.memoryGiB.toFixed(0)} GiB, Linux ${r.machine.kernel} |`,
    `| Node | ${r.machine.node} |`,
    `| command | \`${r.command}\` (${Math.round(r.seconds / 60)} min ${Math.round(r.seconds % 60)} s) |`,
    `| commit | ${r.commit} |`,
    `| method | ${r.machine.pinned ? 'every server pinned to core 0 (`taskset -c 0`), the load generator (autocannon 9, keep-alive) on core 1' : '**not pinned** (no taskset or one core)'}; ${o.rounds} round(s) of ${o.duration} s per point after ${o.warmup} s of warm-up; contenders take turns within each round, all on the same request; tables give the **median (min–max)** over the rounds |`,
    `| load average (1 min) | ${r.machine.loadBefore.toFixed(2)} before, ${r.machine.loadAfter.toFixed(2)} after |`,
    '',
  );

  out(
    '## Targets (issue 21)',
    '',
    `Ratios are taken round by round (each pair of runs saw the same machine) and given as median (min–max) over the rounds; ${H} connections where connections apply. CPU µs per request (the server process, all threads, from \`/proc\`) is in the tables below: it survives a noisy machine better than requests/s.`,
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    `| client_credentials ≥ 2.5× oidc-provider | ${times(pOidc)} (${n0(rps('gatehouse'))} vs ${n0(rps('oidc-provider'))} req/s) | ${verdict(ccVsOidc, 2.5)} |`,
    `| client_credentials ≥ 0.75× the batched fast-signing limit | ${times(pFast)} (${n0(rps('gatehouse'))} vs ${n0(rps('limit-fast'))} req/s); ${times(pLimit)} of the jose limit, ${times(pWarnLimit)} at log level warn | ${verdict(pFast.median, 0.75)} |`,
    `| a reuse hit ≥ 0.5× the trivial Fastify endpoint | ${r.reuseAvailable ? `${times(pReuseTrivial)} (${n0(rps('gatehouse-reuse'))} vs ${n0(rps('trivial-fastify'))} req/s); ${times(pReuse)} oidc-provider` : 'not in this build'} | ${r.reuseAvailable ? verdict(pReuseTrivial.median, 0.5) : 'not measured'} |`,
    `| at 1 connection | ${oneConn ? ccKeys.map((k) => `${label(k)} ${n0(rps(k, 1))}`).join(', ') + ' req/s' : 'not measured'} | compare with the previous report |`,
    `| password grant ≥ 90 % of raw argon2id | ${times(pPw)} (${fmt(rpsOf(r.password.gatehouse), 1)} vs ${fmt(spread(r.password.argon2), 1)} logins/s) | ${verdict(pwRatio, 0.9)} |`,
    `| verification ≥ 2× express-oauth2-jwt-bearer | ${v ? `${ratio(v.gatehouse, v.auth0)} (Express + @gatehouse/verify ${n0(v.gatehouse)} vs ${n0(v.auth0)} req/s)` : 'not measured'} | ${v ? verdict(v.gatehouse / v.auth0, 2) : ''} |`,
    `| idle RSS ≤ trivial Fastify + 10 MiB | ${idle.toFixed(0)} MiB vs ${rssOf('trivial-fastify').toFixed(0)} MiB | ${verdict(idle, rssOf('trivial-fastify') + 10, false)} |`,
    `| RSS under load < oidc-provider's and ≤ 1.5× the limit's | ${loadRssOf('gatehouse').toFixed(0)} MiB vs ${loadRssOf('oidc-provider').toFixed(0)} (oidc-provider) and ${loadRssOf('limit').toFixed(0)} (limit) | ${verdict(loadRssOf('gatehouse'), Math.min(loadRssOf('oidc-provider'), 1.5 * loadRssOf('limit')), false)} |`,
    `| first token < 1 s from process start | ${n0(start)} ms from spawn to the first client_credentials token | ${verdict(start, 1000, false)} |`,
    `| throughput with 1,000,000 bots ≥ 0.9× with 10 | ${botsKeys.length > 1 ? `${times(pBots)} the 10-bot throughput with ${n0(botsKeys[botsKeys.length - 1]!)} bots` : 'not measured'} | ${verdict(botsFlat, 0.9)} |`,
    '',
  );

  // 1. client_credentials
  out(
    '## 1. client_credentials: throughput and latency, server on one core',
    '',
    'Every contender gets the same request, byte for byte (`client_secret_basic`, form body), and answers with an ES256',
    '`at+jwt` access token carrying `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`:',
    '',
    '```',
    'POST /oauth/token',
    'Authorization: Basic <bot email:secret>',
    'Content-Type: application/x-www-form-urlencoded',
    '',
    'grant_type=client_credentials&resource=https%3A%2F%2Fdataloy&scope=read+write',
    '```',
    '',
    '| contender | what it is |',
    '| --- | --- |',
    ...CC_CONTENDERS.filter((c) => ccKeys.includes(c.key)).map((c) => `| ${c.label} | ${c.what} |`),
    '',
  );
  for (const c of o.connections) {
    out(
      `**${c} connection${c === 1 ? '' : 's'}**`,
      '',
      '| contender | req/s | CPU µs/req | p50 ms | p99 ms | vs oidc-provider | vs fast limit | failed |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...ccKeys.map(
        (k) =>
          `| ${label(k)} | ${fmt(rpsOf(at(k, c)))} | ${n0(cpuAt(k, c))} | ${ms(med(at(k, c), (x) => x.p50))} | ${ms(med(at(k, c), (x) => x.p99))} | ${ratio(rps(k, c), rps('oidc-provider', c))} | ${ratio(rps(k, c), rps('limit-fast', c))} | ${failed(at(k, c))} |`,
      ),
      '',
    );
  }
  fs.writeFileSync(
    png,
    lineChart({
      title: `client_credentials, server pinned to one core (${r.started.toISOString().slice(0, 10)})`,
      xLabel: 'concurrent connections (keep-alive)',
      yLabel: 'tokens/s (median)',
      series: ccKeys.map((k) => ({ name: label(k), points: o.connections.map((c) => ({ x: c, y: rps(k, c) })).filter((p) => Number.isFinite(p.y)) })),
    }),
  );
  out(`![client_credentials throughput against connections](${path.basename(png)})`, '');

  // 2. password
  out(
    '## 2. password grant vs raw argon2id',
    '',
    `A user logs in with the password grant (public client), ${r.password.connections} connections, server on core 0. The baseline is`,
    '`crypto.argon2` alone with the same parameters (argon2id, 19 MiB, t=2, p=1, 32-byte tag), as many derivations in flight,',
    'in a process pinned to the same core (`bench/contenders/argon2.ts`). Both use libuv\'s thread pool, so both are one core\'s worth.',
    '',
    '| | logins/s per core | p50 ms | p99 ms | failed |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| Gatehouse password grant | ${fmt(rpsOf(r.password.gatehouse), 1)} | ${ms(med(r.password.gatehouse, (x) => x.p50))} | ${ms(med(r.password.gatehouse, (x) => x.p99))} | ${failed(r.password.gatehouse)} |`,
    `| raw argon2id | ${fmt(spread(r.password.argon2), 1)} | | | |`,
    `| ratio, round by round | ${times(pPw)} | | | |`,
    '',
  );

  // 3. refresh
  out(
    '## 3. refresh grant: rotation, a write per request',
    '',
    `Each of ${r.refresh.connections} connections holds its own refresh token and replaces it with the one each answer carries`,
    '(rotation: the old one is marked used and a new one inserted in one transaction). Server on core 0; PostgreSQL 15 on the',
    'same machine, not pinned (it shares the cores with the load generator and the server).',
    '',
    '| store | refreshes/s | p50 ms | p99 ms | failed |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| SQLite (embedded, WAL) | ${fmt(rpsOf(r.refresh.sqlite))} | ${ms(med(r.refresh.sqlite, (x) => x.p50))} | ${ms(med(r.refresh.sqlite, (x) => x.p99))} | ${failed(r.refresh.sqlite)} |`,
    r.refresh.postgres.length
      ? `| PostgreSQL (local, pool of 10) | ${fmt(rpsOf(r.refresh.postgres))} | ${ms(med(r.refresh.postgres, (x) => x.p50))} | ${ms(med(r.refresh.postgres, (x) => x.p99))} | ${failed(r.refresh.postgres)} |`
      : `| PostgreSQL | skipped: ${r.refresh.postgresSkipped ?? 'not run'} | | | |`,
    '',
  );

  // 4. verification
  out(
    '## 4. Verification: the example route behind @gatehouse/verify vs express-oauth2-jwt-bearer',
    '',
    `\`${r.verify?.command ?? 'not run'}\`, run by the bench with its own method (each contender in a fresh process, interleaved`,
    'rounds, median round; server and load generator share both cores). See `bench/verify/README.md` for what each row is.',
    '',
    r.verify?.output ?? '(not run)',
    '',
  );

  // 5. memory and start-up
  out(
    '## 5. Memory and start-up',
    '',
    'Start-up: from spawning the process to the first 200 from its token endpoint (polled every 2 ms), on a data dir that',
    'already holds the bot; the first sample is the first start of the run, the others restarts. RSS from `/proc`: idle is',
    '1 s after that first token; under load is the largest seen after a measured run. Every process of the run, each',
    "contender alike, keeps Node's compile cache (`NODE_COMPILE_CACHE`) in the run's scratch dir; `gatehouse` turns it on",
    'by itself, so its restarts skip type stripping and most compilation.',
    '',
    '| contender | start-up to first token, ms | RSS idle, MiB | RSS under load (max), MiB |',
    '| --- | ---: | ---: | ---: |',
    ...ccKeys.map((k) => `| ${label(k)} | ${fmt(spread(r.startup[k] ?? []))} | ${fmt(spread(r.idleRss[k] ?? []), 1)} | ${Math.max(...(r.loadRss[k] ?? [NaN])).toFixed(1)} |`),
    `| Gatehouse, first start on an empty data dir and an empty compile cache, as on a fresh install (migrations, key generation, the admin's argon2id hash) to \`/readyz\` | ${fmt(spread(r.firstStart))} | | |`,
    '',
  );

  // 6. scaling
  out(
    '## 6. Scaling with work',
    '',
    '### Connections',
    '',
    '| contender | ' + o.connections.map((c) => `${c} conn. req/s (p99 ms)`).join(' | ') + ' |',
    '| --- | ' + o.connections.map(() => '---:').join(' | ') + ' |',
    ...ccKeys.map((k) => `| ${label(k)} | ${o.connections.map((c) => `${n0(rps(k, c))} (${ms(med(at(k, c), (x) => x.p99))})`).join(' | ')} |`),
    '',
    '### Bots in the store',
    '',
    `Gatehouse (SQLite, log level info, ${H} connections, core 0) on a store seeded straight into SQLite with N bots`,
    '(`bench/seed-bots.ts`: the server\'s migrations, secrets hashed as the server hashes them, one grant per bot, 1,000 bots',
    'per project). Every request presents a bot drawn at random (all of them up to 10,000; else 10,000 drawn from the whole range),',
    'so the lookups are spread over the index rather than served from one hot row.',
    '',
    '| bots | seeding | req/s | p50 ms | p99 ms | vs 10 bots, round by round | failed |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...botsKeys.map(
      (n) =>
        `| ${n0(n)} | ${(r.botsSeedSeconds[n] ?? NaN).toFixed(1)} s | ${fmt(rpsOf(r.bots[n]))} | ${ms(med(r.bots[n], (x) => x.p50))} | ${ms(med(r.bots[n], (x) => x.p99))} | ${times(paired(r.bots[n], r.bots[botsKeys[0]!]))} | ${failed(r.bots[n])} |`,
    ),
    '',
    o.bots.includes(1_000_000) ? '' : 'The 1,000,000-bot point is left out of `--quick` and `--no-million` runs (seeding it takes about a minute and 0.8 GB of disk).',
    '',
  );

  // 7. reuse and workers
  const w1 = rpsOf(r.workers.one).median;
  const w2 = rpsOf(r.workers.two).median;
  out(
    '## 7. Server-side token reuse and `--workers`',
    '',
    r.reuseAvailable
      ? `With \`"reuse_tokens": true\` on the API, the same bot asking for the same audience and scope gets the token already issued while more than half its lifetime remains: ${n0(rps('gatehouse-reuse'))} req/s at ${H} connections, ${ratio(rps('gatehouse-reuse'), rps('oidc-provider'))} oidc-provider and ${ratio(rps('gatehouse-reuse'), rps('gatehouse'))} Gatehouse without reuse (table 1).`
      : 'Server-side token reuse is not in this build: an API created with `"reuse_tokens": true` still answers every request with a new token (the bench checks by asking twice), so it was not measured. The bench measures it automatically once it lands.',
    '',
    `\`gatehouse start --workers N\`: both servers may use both cores (\`taskset -c 0,1\`), the load generator stays on core 1, ${r.workers.connections} connections, SQLite.`,
    '',
    '| workers | processes seen | req/s | p50 ms | p99 ms | failed |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| 1 | ${r.workers.processes.one} | ${fmt(rpsOf(r.workers.one))} | ${ms(med(r.workers.one, (x) => x.p50))} | ${ms(med(r.workers.one, (x) => x.p99))} | ${failed(r.workers.one)} |`,
    `| 2 | ${r.workers.processes.two} | ${fmt(rpsOf(r.workers.two))} | ${ms(med(r.workers.two, (x) => x.p50))} | ${ms(med(r.workers.two, (x) => x.p99))} | ${failed(r.workers.two)} |`,
    '',
    r.workers.processes.two > r.workers.processes.one
      ? `Two workers serve ${ratio(w2, w1)} the requests of one. With two cores, the second worker shares core 1 with the load generator, so this is a floor, not what two free cores give.`
      : '`--workers 2` started a single process here: the cluster mode is not in this build yet, so both rows measure one process.',
    '',
  );

  // SDK
  out(
    '## SDK per-call overhead (@gatehouse/client, warm cache)',
    '',
    `\`${r.sdk?.command ?? 'not run'}\` (core 0):`,
    '',
    '```',
    r.sdk?.output ?? '(not run)',
    '```',
    '',
  );

  // Profile
  if (r.profile) {
    const p = r.profile;
    const total = p.threads.reduce((n, t) => n + t.cpuSeconds, 0);
    out(
      '## Profile of the token path',
      '',
      `Gatehouse (log level info) under ${H} connections of client_credentials for ${p.seconds} s with \`node --cpu-prof\`, pinned to core 0:`,
      `${n0(p.rps)} req/s under the profiler. CPU per thread from \`/proc/PID/task\` over the same window (the profiler sees only`,
      'the main thread; WebCrypto runs each ECDSA signature as a job on libuv\'s thread pool):',
      '',
      '| thread | CPU s | share |',
      '| --- | ---: | ---: |',
      ...p.threads.sort((a, b) => b.cpuSeconds - a.cpuSeconds).map((t) => `| ${t.name} | ${t.cpuSeconds.toFixed(2)} | ${pct(t.cpuSeconds / total)} |`),
      '',
      `Main thread, by component (each sample charged to the innermost frame of a known component; ${n0(p.summary.totalMs)} ms sampled${p.summary.windowed ? ' during the measured window only' : ', whole process life: start-up included'}):`,
      '',
      '| component | ms | share |',
      '| --- | ---: | ---: |',
      ...p.summary.components.map((c) => `| ${c.name} | ${n0(c.ms)} | ${pct(c.share)} |`),
      '',
      'Top functions by self time:',
      '',
      '| function | where | ms | share |',
      '| --- | --- | ---: | ---: |',
      ...p.summary.topSelf.map((f) => `| \`${f.fn}\` | ${f.where} | ${n0(f.ms)} | ${(f.share * 100).toFixed(1)} % |`),
      '',
    );
  }

  // Noise
  const spreads = ccKeys.flatMap((k) => o.connections.map((c) => rpsOf(at(k, c)))).filter((s) => s.n > 1);
  const worst = spreads.reduce((m, s) => Math.max(m, (s.max - s.min) / s.median), 0);
  const typical = spread(spreads.map((s) => (s.max - s.min) / s.median)).median;
  out(
    '## Noise',
    '',
    o.rounds > 1
      ? `Each point is the median of ${o.rounds} rounds; (min–max) beside it is the spread. Across the client_credentials points the spread (max−min)/median was ${pct(typical)} typically and ${pct(worst)} at worst. The 1-minute load average was ${r.machine.loadBefore.toFixed(2)} before the run and ${r.machine.loadAfter.toFixed(2)} after (2 is both cores busy, which the benchmark itself causes).`
      : 'One round per point (`--quick`): no spread is known; run without `--quick` for min/median/max.',
    '',
  );

  const analysis = path.join(path.dirname(new URL(import.meta.url).pathname), '../analysis.md');
  if (fs.existsSync(analysis)) out(fs.readFileSync(analysis, 'utf8').trim(), '');
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, lines.join('\n').replace(/\n{3,}/g, '\n\n'));
  return [outFile, png];
}
