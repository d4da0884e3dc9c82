/**
 * Requests per second of the example API's route, protected by @gatehouse/verify, by Auth0's
 * express-oauth2-jwt-bearer, and unprotected: same token, same machine, one run, one contender at a time.
 *
 *   npx node bench/verify/run.ts [--duration 3] [--rounds 3] [--connections 50] [--only express-gatehouse,express-auth0]
 *
 * Contenders are interleaved over several rounds and each reports its median round, so a burst of
 * load from elsewhere on the machine does not decide the ranking. A script, not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AUDIENCE, startIssuer } from '../../packages/verify/test/support/issuer.ts';
import { CONTENDERS, type Contender } from './contenders.ts';

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const contenders = (values.only?.split(',') ?? CONTENDERS) as Contender[];

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

async function start(contender: Contender, issuer: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVER, contender], {
    env: { ...process.env, GATEHOUSE_ISSUER: issuer },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\d+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${contender} exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/api/v1/projects/proj-1` };
}

const issuer = await startIssuer();
await issuer.addKey('ES256');
const token = await issuer.sign({ aud: AUDIENCE, scope: 'datasets:read', exp: Math.floor(Date.now() / 1000) + 3600 });
const headers = { authorization: `Bearer ${token}` };

/** One measured run of a contender in its own fresh process. */
async function measure(contender: Contender): Promise<Result> {
  const { child, url } = await start(contender, issuer.url);
  try {
    const probe = await fetch(url, { headers });
    if (probe.status !== 200) throw new Error(`${contender} answered ${probe.status}: ${await probe.text()}`);
    await autocannon({ url, headers, connections, duration: 1 }); // warm-up: JIT, discovery, JWKS
    return await autocannon({ url, headers, connections, duration });
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

const runs = new Map<Contender, Result[]>(contenders.map((c) => [c, []]));
for (let round = 1; round <= rounds; round++) {
  for (const contender of contenders) {
    const result = await measure(contender);
    runs.get(contender)?.push(result);
    console.error(`round ${round} ${contender}: ${Math.round(result.requests.average)} req/s`);
  }
}
const median = (results: Result[]): Result => {
  const sorted = [...results].sort((a, b) => a.requests.average - b.requests.average);
  return sorted[Math.floor(sorted.length / 2)] as Result;
};
const rows = [...runs].map(([contender, results]) => ({ contender, result: median(results) }));
await issuer.close();

const auth0 = rows.find((r) => r.contender === 'express-auth0')?.result.requests.average;
console.log(`\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${connections} connections, ` +
  `median of ${rounds} interleaved ${duration} s runs, one ES256 at+jwt token, load average at the end ${os.loadavg()[0]?.toFixed(2)}\n`);
console.log('| contender | req/s | p50 ms | p99 ms | non-2xx | vs express-oauth2-jwt-bearer |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const { contender, result } of rows) {
  const ratio = auth0 ? `${(result.requests.average / auth0).toFixed(2)}×` : '';
  console.log(`| ${contender} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx + result.errors} | ${ratio} |`);
}
