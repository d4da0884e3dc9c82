// A legitimate login's latency while 200 addresses flood the password grant with wrong logins (docs/security.md,
// "Password checks in flight"). Every second, each of the 200 flooding addresses (127.0.x.y, loopback on Linux, so
// they are real TCP peers) sends one wrong login, all at once (or as soon as its previous one is answered): a
// burst of 200 argon2 checks per second, more than the machine can hash. One user logs in with the right password,
// one login after another, from 127.0.0.1. Run once with the password-check gate opened wide (what Gatehouse did before the gate) and once
// with the defaults:
//   npx node bench/login-flood.ts [--seconds 20] [--addresses 200] [--burst-ms 1000] [--bounded-only]
import http from 'node:http';
import { type Gatehouse, startGatehouse } from '../packages/server/test/support/harness.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const SECONDS = arg('seconds', 20);
const BURST_MS = arg('burst-ms', 1000);
const ADDRESSES = arg('addresses', 200);
const USER = { email: 'flood-legit@example.com', password: 'the legitimate password' };

function login(gh: Gatehouse, agent: http.Agent, username: string, password: string): Promise<number> {
  const url = new URL('/oauth/token', gh.url);
  const body = new URLSearchParams({ grant_type: 'password', username, password }).toString();
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);

async function run(label: string, env: Record<string, string>): Promise<void> {
  // Per-address brute-force counting is off so that only the gate decides; the flood never repeats a username.
  const gh = await startGatehouse({ env: { GATEHOUSE_BRUTE_FORCE_IP_THRESHOLD: '0', GATEHOUSE_LOG_LEVEL: 'warn', ...env } });
  try {
    await gh.createUser(USER);
    const legitAgent = new http.Agent({ keepAlive: true, localAddress: '127.0.0.1' });
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await login(gh, legitAgent, USER.email, USER.password);
      baseline.push(performance.now() - t);
    }
    const end = Date.now() + SECONDS * 1000;
    const flood: Record<number, number> = {};
    let n = 0;
    const attackers = Array.from({ length: ADDRESSES }, async (_, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.${10 + Math.floor(i / 250)}.${(i % 250) + 1}` });
      while (Date.now() < end) {
        const s = await login(gh, agent, `flood-${i}-${n++}@example.com`, 'wrong password');
        flood[s] = (flood[s] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, BURST_MS - (Date.now() % BURST_MS))); // the next burst
      }
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, 1000)); // let the flood build up
    const ok: number[] = [];
    const legit: Record<number, number> = {};
    while (Date.now() < end - 500) {
      const t = performance.now();
      const s = await login(gh, legitAgent, USER.email, USER.password);
      legit[s] = (legit[s] ?? 0) + 1;
      if (s === 200) ok.push(performance.now() - t);
      else await new Promise((r) => setTimeout(r, 250)); // a client honouring Retry-After would wait longer
    }
    await Promise.all(attackers);
    legitAgent.destroy();
    const ms = (x: number) => `${Math.round(x)} ms`;
    console.log(
      `${label}: legit login alone p50 ${ms(pct(baseline, 50))}; during the flood (${ADDRESSES} addresses, a burst every ${BURST_MS} ms, ${SECONDS} s): ` +
        `${ok.length} logged in, p50 ${ms(pct(ok, 50))}, p99 ${ms(pct(ok, 99))}, max ${ms(Math.max(...ok))}; legit answers ${JSON.stringify(legit)}; flood answers ${JSON.stringify(flood)}`,
    );
  } finally {
    await gh.stop();
  }
}

// Settings from the environment (GATEHOUSE_PASSWORD_CHECK_*) reach the bounded run; --bounded-only skips the other.
if (!process.argv.includes('--bounded-only')) await run('unbounded (gate opened wide)', { GATEHOUSE_PASSWORD_CHECK_CONCURRENCY: '1024', GATEHOUSE_PASSWORD_CHECK_QUEUE: '100000', GATEHOUSE_PASSWORD_CHECK_PER_ADDRESS: '100000' });
await run('bounded (defaults)', {});
