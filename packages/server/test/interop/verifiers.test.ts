// Resource-server libraries written elsewhere verify Gatehouse's access tokens (ES256, RFC 9068) and ID tokens
// (RS256) on their defaults, finding the keys through discovery: jose's createRemoteJWKSet, Auth0's
// express-oauth2-jwt-bearer, and jsonwebtoken with jwks-rsa.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import { API, type InteropFixture, PUBLIC_CLIENT, interopFixture } from './fixture.ts';

describe('interop: token verifiers', () => {
  let f: InteropFixture;
  let jwksUri: string;
  let access: string;
  let session: { access_token: string; id_token: string; refresh_token: string };
  before(async () => {
    f = await interopFixture();
    jwksUri = ((await (await fetch(`${f.gh.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string }).jwks_uri;
    access = (await f.gh.token({ grant_type: 'client_credentials', audience: API }, { basic: [f.bot.client_id, f.bot.client_secret] })).body.access_token;
    session = (await f.gh.token({ grant_type: 'password', username: f.user.email, password: f.user.password })).body;
  });
  after(() => f.gh.stop());

  test("jose's createRemoteJWKSet: the access token and the ID token", async () => {
    const jwks = createRemoteJWKSet(new URL(jwksUri));
    const a = await jwtVerify(access, jwks, { issuer: f.gh.url, audience: API, typ: 'at+jwt' });
    assert.equal(a.protectedHeader.alg, 'ES256');
    const id = await jwtVerify(session.id_token, jwks, { issuer: f.gh.url, audience: PUBLIC_CLIENT });
    assert.equal(id.protectedHeader.alg, 'RS256');
    assert.equal(id.payload.email, f.user.email);
  });

  test('express-oauth2-jwt-bearer: accepts the access token, refuses one for another audience', async () => {
    const server: Server = express()
      .use(auth({ issuerBaseURL: f.gh.url, audience: API }))
      .get('/me', (req, res) => {
        res.json({ sub: req.auth?.payload.sub });
      })
      // Answer the library's errors quietly (its default handler prints stacks).
      .use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(error.status ?? 500).end();
      })
      .listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/me`;
      const ok = await fetch(url, { headers: { authorization: `Bearer ${access}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { sub: `bot|${f.bot.id}` });
      const wrongAudience = await fetch(url, { headers: { authorization: `Bearer ${session.access_token}` } });
      assert.equal(wrongAudience.status, 401);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('jsonwebtoken + jwks-rsa: the access token and the ID token', async () => {
    const client = jwksRsa({ jwksUri });
    const verify = (token: string, audience: string) =>
      new Promise<jwt.JwtPayload>((resolve, reject) => {
        const getKey: jwt.GetPublicKeyOrSecret = (header, cb) => {
          client.getSigningKey(header.kid).then((k) => cb(null, k.getPublicKey()), cb);
        };
        jwt.verify(token, getKey, { issuer: f.gh.url, audience }, (err, payload) => (err ? reject(err) : resolve(payload as jwt.JwtPayload)));
      });
    assert.equal((await verify(access, API)).sub, `bot|${f.bot.id}`);
    const id = await verify(session.id_token, PUBLIC_CLIENT);
    assert.equal(id.email, f.user.email);
    await assert.rejects(verify(access, 'https://someone-else.example'), /audience/);
  });
});
