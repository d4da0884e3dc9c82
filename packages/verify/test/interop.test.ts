/**
 * Interop: Auth0's express-oauth2-jwt-bearer, pointed at the same issuer in strict (RFC 9068) mode,
 * accepts the tokens @gatehouse/verify accepts, and refuses the same bad ones.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { AUDIENCE } from './support/issuer.ts';
import { nowSeconds, setup, type Fixture } from './support/setup.ts';

let f: Fixture;
let server: Server;
let base: string;

before(async () => {
  f = await setup();
  const app = express();
  app.use(auth({ issuerBaseURL: f.issuer.url, audience: AUDIENCE, strict: true }));
  app.get('/me', (req, res) => {
    res.json({ sub: req.auth?.payload.sub });
  });
  // Answer the library's errors quietly (its default handler prints stacks).
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status ?? 500).end();
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await f.close();
});

const auth0 = async (token: string): Promise<number> =>
  (await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

test('the same at+jwt tokens are accepted by both verifiers', async () => {
  for (const overrides of [{}, { aud: ['gatehouse', AUDIENCE] }, { scope: 'datasets:read datasets:write', gh_token_type: 'app' }]) {
    const token = await f.issuer.sign(overrides);
    assert.equal((await f.verifier.verify(token)).sub, 'user-1');
    assert.equal(await auth0(token), 200);
  }
  const application = await f.issuer.sign({}, { header: { typ: 'application/at+jwt' } });
  assert.equal((await f.verifier.verify(application)).sub, 'user-1');
  assert.equal(await auth0(application), 200);
});

test('and both refuse expired, wrong-audience and non-at+jwt tokens', async () => {
  for (const [overrides, header] of [
    [{ exp: nowSeconds() - 60 }, {}],
    [{ aud: 'https://other' }, {}],
    [{}, { typ: 'JWT' }],
  ] as const) {
    const token = await f.issuer.sign(overrides, { header });
    await assert.rejects(f.verifier.verify(token));
    assert.equal(await auth0(token), 401);
  }
});
