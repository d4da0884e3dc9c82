// @gatehouse/client's private-key, federated and token-exchange providers against a real Gatehouse and the
// stand-in GitHub/Kubernetes issuer: WebCrypto-signed assertions (PEM and JWK; ES256, RS256, EdDSA), a platform
// token read anew for each request, GitHub's ACTIONS_ID_TOKEN_REQUEST_URL, and downscoping by exchange.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { federated, githubActionsToken, privateKeyJwt, tokenExchange } from '@gatehouse/client';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type StandinIssuer, startStandinIssuer } from '../support/standin-issuer.ts';

const API = 'https://api.sdk-fed.example';
const AUD = 'https://gatehouse.sdk-fed.example';

describe('SDK: privateKeyJwt, federated, tokenExchange', () => {
  let gh: Gatehouse;
  let idp: StandinIssuer;
  let bot: BotCredentials;
  before(async () => {
    [gh, idp] = await Promise.all([startGatehouse(), startStandinIssuer()]);
    bot = await gh.createBot({ name: 'sdk' });
    const api = await gh.createApi({ identifier: API, scopes: ['read', 'write'] });
    await gh.grant(api.id, bot.id, ['read', 'write']);
    const issuer = await gh.api('POST', `/api/v1/projects/${bot.project_id}/federation/issuers`, { issuer: idp.url });
    await gh.api('POST', `/api/v1/projects/${bot.project_id}/federation/rules`, { name: 'ci', issuer_id: issuer.id, bot_id: bot.id, audience: AUD, subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' });
  });
  after(async () => {
    await Promise.all([gh.stop(), idp.stop()]);
  });

  test('privateKeyJwt signs with a PEM or a JWK (ES256, RS256, EdDSA)', async () => {
    const cases = [
      { type: 'ec', opts: { namedCurve: 'P-256' }, alg: 'ES256' },
      { type: 'rsa', opts: { modulusLength: 2048 }, alg: 'RS256' },
      { type: 'ed25519', opts: {}, alg: 'EdDSA' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const pair = generateKeyPairSync(c.type as 'ec', c.opts as { namedCurve: string });
      const kid = `sdk-${i}`;
      await gh.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`, { jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: c.alg } });
      const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const fromPem = privateKeyJwt({ issuer: gh.url, clientId: bot.client_id, privateKey: pem, alg: c.alg, kid, audience: API, scope: 'read' });
      assert.equal((await fromPem.getToken()).scope, 'read', c.alg);
      const fromJwk = privateKeyJwt({ issuer: gh.url, clientId: bot.client_id, privateKey: { ...(pair.privateKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg: c.alg } as JsonWebKey, audience: API });
      assert.equal(decodeJwt((await fromJwk.getToken()).accessToken).sub, `bot|${bot.id}`, c.alg);
    }
  });

  test('federated reads the platform token for every request, as a client assertion or by token exchange', async () => {
    let reads = 0;
    const platformToken = async () => {
      reads++;
      return idp.sign(idp.github({ aud: AUD, repo: 'octo-org/octo-repo' }));
    };
    for (const via of ['client_assertion', 'token_exchange'] as const) {
      const p = federated({ issuer: gh.url, platformToken, audience: API, scope: 'read', via });
      const t = await p.getToken();
      assert.equal(t.scope, 'read', via);
      await p.getToken({ forceRefresh: true });
    }
    assert.equal(reads, 4);
  });

  test("githubActionsToken asks ACTIONS_ID_TOKEN_REQUEST_URL for the rule's audience", async () => {
    const seen: { aud: string | null; auth: string | undefined }[] = [];
    const actions = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ aud: url.searchParams.get('audience'), auth: req.headers.authorization });
      void idp.sign(idp.github({ aud: url.searchParams.get('audience')!, repo: 'octo-org/octo-repo' })).then((value) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value })));
    });
    await new Promise<void>((r) => actions.listen(0, '127.0.0.1', r));
    try {
      const requestUrl = `http://127.0.0.1:${(actions.address() as AddressInfo).port}/_apis/distributedtask/hubs/build/plans/x/jobs/y/idtoken?api-version=2.0`;
      const p = federated({ issuer: gh.url, platformToken: githubActionsToken({ audience: AUD, requestUrl, requestToken: 'runtime-token' }), audience: API });
      assert.equal((await p.getToken()).scope, 'read write');
      assert.deepEqual(seen, [{ aud: AUD, auth: 'bearer runtime-token' }]);
      await assert.rejects(githubActionsToken({ audience: AUD, requestUrl: undefined, requestToken: undefined })(), /id-token: write/);
    } finally {
      actions.closeAllConnections();
      await new Promise((r) => actions.close(r));
    }
  });

  test('tokenExchange downscopes a Gatehouse token', async () => {
    const full = await gh.token({ grant_type: 'client_credentials', audience: API }, { basic: [bot.client_id, bot.client_secret] });
    const p = tokenExchange({ issuer: gh.url, subjectToken: full.body.access_token, audience: API, scope: 'read' });
    assert.equal((await p.getToken()).scope, 'read');
    const more = tokenExchange({ issuer: gh.url, subjectToken: (await p.getToken()).accessToken, audience: API, scope: 'write' });
    await assert.rejects(more.getToken(), (err: { code?: string }) => err.code === 'invalid_scope');
  });
});
