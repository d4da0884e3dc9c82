// How much one bot can add to the revocation feed (docs/security.md, "Revocation feed"): it mints and revokes its
// own access tokens as fast as it can for --seconds, 8 at a time; then a fresh @gatehouse/verify reads the feed.
// Run with the revocation budget off (what Gatehouse did before) and with the defaults:
//   npx node bench/revocation-flood.ts [--seconds 10]
import { createVerifier } from '../packages/verify/src/index.ts';
import { startGatehouse } from '../packages/server/test/support/harness.ts';

const i = process.argv.indexOf('--seconds');
const SECONDS = i === -1 ? 10 : Number(process.argv[i + 1]);

async function run(label: string, env: Record<string, string>): Promise<void> {
  const gh = await startGatehouse({ env: { GATEHOUSE_LOG_LEVEL: 'warn', ...env } });
  try {
    const bot = await gh.createBot({ name: 'flooder' });
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(bot.client_id)}:${encodeURIComponent(bot.client_secret)}`).toString('base64');
    const post = (path: string, body: Record<string, string>) =>
      fetch(gh.url + path, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    const end = Date.now() + SECONDS * 1000;
    const statuses: Record<number, number> = {};
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < end) {
          const token = ((await (await post('/oauth/token', { grant_type: 'client_credentials', audience: 'gatehouse' })).json()) as { access_token: string }).access_token;
          const r = await post('/oauth/revoke', { token });
          await r.arrayBuffer();
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        }
      }),
    );
    let rows = 0;
    let cursor = '0';
    for (;;) {
      const page = (await (await fetch(`${gh.url}/oauth/revocations?since=${cursor}`)).json()) as { revoked: unknown[]; subjects: unknown[]; cursor: string };
      rows += page.revoked.length + page.subjects.length;
      if (page.cursor === cursor) break;
      cursor = page.cursor;
    }
    const verifier = createVerifier({ issuer: gh.issuer, audience: 'gatehouse', revocation: { poll: true, intervalMs: 60_000 } });
    await verifier.warmUp();
    const n = Object.values(statuses).reduce((a, b) => a + b, 0);
    console.log(`${label}: ${n} revocations in ${SECONDS} s (${Math.round(n / SECONDS)}/s), answers ${JSON.stringify(statuses)}; feed rows ${rows}; a verifier keeps ${verifier.stats().revocationEntries} entries`);
  } finally {
    await gh.stop();
  }
}

await run('budget off', { GATEHOUSE_REVOCATION_RATE_LIMIT: '0', GATEHOUSE_REVOCATION_COALESCE_AFTER: '1000000' });
await run('defaults', {});
