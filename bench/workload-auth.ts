// client_credentials three ways in one run, in alternation: with the bot's secret (client_secret_basic), with a
// private_key_jwt assertion (ES256, a fresh jti each request: pre-signed, so the load generator does not sign), and
// federated (a stand-in GitHub Actions token as the client assertion, keys from the issuer's discovery). An API
// without token reuse, so every answer is a newly signed token. SQLite, one node, 8 connections.
//   npx node bench/workload-auth.ts [--seconds 5] [--rounds 3] [--connections 8]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startGatehouse } from '../packages/server/test/support/harness.ts';
import { startStandinIssuer } from '../packages/server/test/support/standin-issuer.ts';
import { load, type LoadResult } from './lib/load.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '8' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const API = 'https://bench-workload.example';
const AUD = 'https://gatehouse.bench.example';
const BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const gh = await startGatehouse({ env: { GATEHOUSE_LOG_LEVEL: 'warn' } });
const idp = await startStandinIssuer();
try {
  const bot = await gh.createBot({ name: 'bench-workload' });
  const api = await gh.createApi({ identifier: API, scopes: ['read'] });
  await gh.grant(api.id, bot.id, ['read']);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  await gh.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`, { jwk: { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' } });
  const issuer = await gh.api('POST', `/api/v1/projects/${bot.project_id}/federation/issuers`, { issuer: idp.url });
  await gh.api('POST', `/api/v1/projects/${bot.project_id}/federation/rules`, { name: 'ci', issuer_id: issuer.id, bot_id: bot.id, audience: AUD, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' });

  // Enough single-use assertions for every round at a generous rate; each carries its own jti.
  const POOL = Math.ceil(6_000 * SECONDS * ROUNDS);
  const now = Math.floor(Date.now() / 1000);
  const assertions: string[] = [];
  for (let i = 0; i < POOL; i++) {
    assertions.push(await new SignJWT({ iss: bot.client_id, sub: bot.client_id, aud: gh.issuer, jti: randomUUID(), iat: now, exp: now + 290 }).setProtectedHeader({ alg: 'ES256', kid: 'bench' }).sign(privateKey));
  }
  let next = 0;
  const external = await idp.sign(idp.github({ aud: AUD, repo: 'octo-org/octo-repo' }), { lifetime: 3600 });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const url = `${gh.url}/oauth/token`;
  const modes: Record<string, () => Promise<LoadResult>> = {
    secret: () =>
      load({ url, connections: CONNECTIONS, duration: SECONDS, warmup: 1, method: 'POST', headers: { ...form, authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(bot.client_id)}:${encodeURIComponent(bot.client_secret)}`).toString('base64') }, body: new URLSearchParams({ grant_type: 'client_credentials', audience: API }).toString() }),
    private_key_jwt: () =>
      load({
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        warmup: 1,
        requests: [{ method: 'POST', headers: form, setupRequest: (req) => ({ ...req, body: new URLSearchParams({ grant_type: 'client_credentials', audience: API, client_assertion_type: BEARER, client_assertion: assertions[next++ % POOL]! }).toString() }) }],
      }),
    federated: () => load({ url, connections: CONNECTIONS, duration: SECONDS, warmup: 1, method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'client_credentials', audience: API, client_assertion_type: BEARER, client_assertion: external }).toString() }),
  };
  const results: Record<string, LoadResult[]> = { secret: [], private_key_jwt: [], federated: [] };
  for (let round = 0; round < ROUNDS; round++) for (const [mode, run] of Object.entries(modes)) results[mode]!.push(await run());
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`| path (${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s, median) | req/s | p50 ms | p99 ms | failed |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const [mode, rs] of Object.entries(results)) {
    console.log(`| ${mode} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${median(rs.map((r) => r.p50)).toFixed(2)} | ${median(rs.map((r) => r.p99)).toFixed(2)} | ${rs.reduce((a, r) => a + r.failed, 0)} |`);
  }
  if (next > POOL) console.log(`(the assertion pool of ${POOL} ran out: ${next - POOL} replays were refused and counted as failed)`);
} finally {
  await gh.stop();
  await idp.stop();
}
