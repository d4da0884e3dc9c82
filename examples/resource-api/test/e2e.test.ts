/**
 * End to end: a real Gatehouse (packages/server's test harness) issues tokens; the example API and
 * express-oauth2-jwt-bearer verify them. Skipped, loudly, when the harness is not there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import type { FastifyInstance } from 'fastify';
import { createVerifier } from '@gatehouse/verify';
import { buildApp } from '../src/app.ts';

const HARNESS = fileURLToPath(new URL('../../../packages/server/test/support/harness.ts', import.meta.url));
const missing = !existsSync(HARNESS);
if (missing) {
  console.warn(`\n!!! e2e SKIPPED: ${HARNESS} does not exist yet; these tests need a real Gatehouse.\n`);
  test('end to end with a real Gatehouse', { skip: 'packages/server/test/support/harness.ts missing' }, () => {});
}

const AUDIENCE = 'https://api.example';

/** The parts of the harness this file uses (typed here so the file compiles without it). */
interface Gatehouse {
  url: string;
  createUser(u: { email: string; password: string }): Promise<{ id: string }>;
  createBot(b?: { name?: string }): Promise<{ id: string; project_id: string; client_id: string; client_secret: string }>;
  createApi(a: { identifier: string; scopes?: string[]; signing_alg?: string }): Promise<{ id: string }>;
  grant(apiId: string, botId: string, scopes: string[]): Promise<void>;
  api<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T>;
  token(params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }>;
  stop(): Promise<unknown>;
}

type Bot = Awaited<ReturnType<Gatehouse['createBot']>>;

describe('end to end with a real Gatehouse', { skip: missing ? 'packages/server/test/support/harness.ts missing' : false }, () => {
  let gh: Gatehouse;
  let app: FastifyInstance;
  let base: string;
  let apiId: string;

  const newBot = async (scopes = ['datasets:read', 'datasets:write']): Promise<Bot> => {
    const bot = await gh.createBot();
    await gh.grant(apiId, bot.id, scopes);
    return bot;
  };
  const clientCredentials = async (bot: Bot, extra: Record<string, string> = {}): Promise<string> => {
    const r = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: AUDIENCE, ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.access_token as string;
  };
  const call = (path: string, token?: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  /** Polls the API until it refuses the token (bounded: a revocation must land within a few feed polls). */
  const untilRefused = async (path: string, token: string): Promise<Response> => {
    for (let i = 0; i < 100; i++) {
      const res = await call(path, token);
      if (res.status === 401) return res;
      await sleep(50);
    }
    throw new Error('the token was never refused');
  };

  before(async () => {
    const { startGatehouse } = (await import(pathToFileURL(HARNESS).href)) as { startGatehouse: () => Promise<Gatehouse> };
    gh = await startGatehouse();
    apiId = (await gh.createApi({ identifier: AUDIENCE, scopes: ['datasets:read', 'datasets:write'] })).id;
    app = buildApp({ issuer: gh.url, audience: AUDIENCE, revocationPollMs: 100 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await gh?.stop();
  });

  test('client credentials (Dataloy): read a project, create a dataset', async () => {
    const token = await clientCredentials(await newBot());
    const project = await call('/api/v1/projects/proj-1', token);
    assert.equal(project.status, 200);
    const created = await call('/api/v1/datasets', token, { method: 'POST', body: JSON.stringify({ name: 'e2e' }) });
    assert.equal(created.status, 201);
  });

  test('a token narrowed to datasets:read cannot write: 403 insufficient_scope', async () => {
    const token = await clientCredentials(await newBot(), { scope: 'datasets:read' });
    const res = await call('/api/v1/datasets', token, { method: 'POST', body: JSON.stringify({ name: 'nope' }) });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-auth-reason'), 'insufficient_scope');
    assert.equal((await res.json()).statusText, 'Forbidden');
  });

  test('NOMAD: a user creates an upload and lists it; a management-API token is refused; anonymous sees published only', async () => {
    const user = await gh.createUser({ email: 'nomad-e2e@example.org', password: 'correct horse battery staple' });
    // Users get no scope of an API by default: this one gives every signed-in user datasets:read (as NOMAD's does).
    await gh.api('PATCH', `/api/v1/apis/${apiId}`, { user_scopes: ['datasets:read'] });
    const login = await gh.token({ grant_type: 'password', username: 'nomad-e2e@example.org', password: 'correct horse battery staple', audience: AUDIENCE });
    assert.equal(login.status, 200);
    const token = login.body.access_token as string;
    const created = await call('/api/v1/uploads', token, { method: 'POST', body: JSON.stringify({ upload_name: 'FAIRmat_logo.png' }) });
    assert.equal(created.status, 200);
    assert.equal((await created.json()).data.main_author, user.id);
    const mine = (await (await call('/api/v1/uploads', token)).json()) as { data: Array<{ upload_name: string; main_author: string }> };
    assert.deepEqual(mine.data.map((u) => [u.upload_name, u.main_author]), [['FAIRmat_logo.png', user.id]]);

    const nomad = await fetch(`${gh.url}/api/v1/auth/token?username=nomad-e2e@example.org&password=${encodeURIComponent('correct horse battery staple')}`);
    const gatehouseToken = ((await nomad.json()) as { access_token: string }).access_token;
    const refused = await call('/api/v1/uploads', gatehouseToken);
    assert.equal(refused.status, 401, 'a token for the management API (aud gatehouse) is not for this API');
    assert.equal(refused.headers.get('x-auth-reason'), 'token_invalid');

    const anonymous = (await (await call('/api/v1/uploads')).json()) as { data: Array<{ published: boolean }> };
    assert.ok(anonymous.data.every((u) => u.published));
  });

  test('an expired Gatehouse token: 401 "Token expired."', async () => {
    const token = await clientCredentials(await newBot());
    const later = buildApp({ issuer: gh.url, audience: AUDIENCE, revocationPollMs: 0, verifierOptions: { now: () => Date.now() + 2 * 86_400_000 } });
    try {
      const res = await later.inject({ url: '/api/v1/projects/proj-1', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().message, 'Token expired.');
      assert.equal(res.headers['x-auth-reason'], 'token_expired');
      assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token", error_description="Token expired."');
    } finally {
      await later.close();
    }
  });

  test('a token revoked at Gatehouse is refused through the feed: 401 token_revoked', async () => {
    const bot = await newBot();
    const token = await clientCredentials(bot);
    assert.equal((await call('/api/v1/datasets', token)).status, 200);
    const revoke = await fetch(`${gh.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(bot.client_id)}:${encodeURIComponent(bot.client_secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    assert.equal(revoke.status, 200);
    const res = await untilRefused('/api/v1/datasets', token);
    assert.equal(res.headers.get('x-auth-reason'), 'token_revoked');
    assert.equal((await res.json()).message, 'Token revoked.');
  });

  test('deleting a bot revokes the tokens it had (subject-wide revocation in the feed)', async () => {
    const bot = await newBot();
    const token = await clientCredentials(bot);
    assert.equal((await call('/api/v1/datasets', token)).status, 200);
    await sleep(1100); // JWT iat has one-second precision: revoke in a later second than the token's
    await gh.api('DELETE', `/api/v1/projects/${bot.project_id}/bots/${bot.id}`);
    const res = await untilRefused('/api/v1/datasets', token);
    assert.equal(res.headers.get('x-auth-reason'), 'token_revoked');
  });

  test('introspection mode refuses a revoked token on the very next call', async () => {
    const bot = await newBot();
    const verifier = createVerifier({ issuer: gh.url, audience: AUDIENCE, revocation: { introspect: { clientId: bot.client_id, clientSecret: bot.client_secret, cacheMs: 0 } } });
    try {
      const token = await clientCredentials(bot);
      assert.equal((await verifier.verify(token)).client_id, bot.client_id);
      await fetch(`${gh.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: bot.client_id, client_secret: bot.client_secret }),
      });
      await assert.rejects(verifier.verify(token), { reason: 'token_revoked' });
    } finally {
      verifier.close();
    }
  });

  test('an API signing with EdDSA: its tokens verify too', async () => {
    const ed = await gh.createApi({ identifier: 'https://ed.example', signing_alg: 'EdDSA', scopes: ['read'] });
    const bot = await gh.createBot();
    await gh.grant(ed.id, bot.id, ['read']);
    const r = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://ed.example' });
    const verifier = createVerifier({ issuer: gh.url, audience: 'https://ed.example' });
    try {
      assert.equal((await verifier.verify(r.body.access_token)).aud, 'https://ed.example');
    } finally {
      verifier.close();
    }
  });

  test("interop: Auth0's express-oauth2-jwt-bearer accepts Gatehouse tokens", async () => {
    const server: Server = express()
      .use(auth({ issuerBaseURL: gh.url, audience: AUDIENCE, strict: true }))
      .get('/me', (req, res) => {
        res.json({ sub: req.auth?.payload.sub });
      })
      .use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(error.status ?? 500).end();
      })
      .listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const bot = await newBot();
      const token = await clientCredentials(bot);
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { sub: `bot|${bot.id}` });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
