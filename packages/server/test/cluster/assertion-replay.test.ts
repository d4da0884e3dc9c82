// A private_key_jwt assertion is single use across nodes: two Gatehouse processes on one PostgreSQL database, the
// same assertion sent to both at once and then again to each; exactly one request gets a token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { ISSUER, type TestCluster, clusterSkipReason, form, getJson, startCluster, warnSkipped } from './support.ts';

const skip = clusterSkipReason();
warnSkipped('assertion replay across nodes', skip);
const API = 'https://api.replay.example';

describe('client assertion jti replay across two nodes', { skip }, () => {
  let c: TestCluster;
  before(async () => {
    c = await startCluster(2);
  });
  after(() => c?.stop());

  test('the same assertion is accepted once, whichever node sees it', async () => {
    const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
    const api = await a.createApi({ identifier: API, scopes: ['read'] });
    const bot = await a.createBot({ name: 'replayed' });
    await a.grant(api.id, bot.id, ['read']);
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    await a.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`, { jwk: { ...(await exportJWK(publicKey)), kid: 'k1' } });
    const now = Math.floor(Date.now() / 1000);
    for (let round = 0; round < 3; round++) {
      const jwt = await new SignJWT({ iss: bot.client_id, sub: bot.client_id, aud: ISSUER, jti: randomUUID(), exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
      const body = { grant_type: 'client_credentials', audience: API, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt };
      const sends = [a, b, a, b].map((n) => getJson(`${n.url}/oauth/token`, form(body)));
      const statuses = (await Promise.all(sends)).map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 401, 401, 401], `round ${round}`);
    }
  });
});
