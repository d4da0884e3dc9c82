// Headers and transport: Cache-Control: no-store on everything that carries a token or a secret (and by default
// everywhere else), CORS off unless origins are configured, helmet's headers, HSTS only for an https issuer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';
import { parseOrigins } from '../../src/security/cors.ts';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { basic, postForm, send } from './http.ts';

describe('Cache-Control on responses that carry tokens or secrets', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.stop());

  test('every token-carrying response is no-store; public documents keep their caching', async () => {
    const admin = await gh.adminToken();
    const project = await gh.createProject('headers');
    const checks: [string, Promise<{ status: number; headers: Record<string, unknown> }>][] = [];
    const call = (name: string, method: string, p: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      checks.push([name, send(gh.url, { method, path: p, headers, body: body === undefined ? undefined : JSON.stringify(body) })]);
    };
    const created = await send(gh.url, { method: 'POST', path: `/api/v1/projects/${project.id}/bots`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cached' }) });
    assert.equal(created.status, 201);
    assert.equal(created.headers['cache-control'], 'no-store', 'bot creation returns its secret');
    const bot = created.body;
    call('rotate-secret', 'POST', `/api/v1/projects/${project.id}/bots/${bot.id}/rotate-secret`, {});
    call('app token (management)', 'POST', '/api/v1/app-tokens', { name: 'ci', expires_in: 600 });
    call('app token (NOMAD)', 'GET', '/api/v1/auth/app_token?expires_in=600');
    call('userinfo', 'GET', '/oauth/userinfo');
    call('users/me', 'GET', '/api/v1/users/me');
    call('management error', 'GET', '/api/v1/projects/nope');
    call('not found', 'GET', '/nowhere');
    call('password-grant toggle', 'PUT', `/api/v1/projects/${project.id}/bots/${bot.id}/password-grant`, { enabled: true });
    checks.push(['token (password)', postForm(gh.url, { grant_type: 'password', username: gh.admin.email, password: gh.admin.password })]);
    checks.push(['token error', postForm(gh.url, { grant_type: 'password', username: gh.admin.email, password: 'wrong-password' })]);
    checks.push(['token (client_credentials)', postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: basic(bot.client_id, bot.client_secret) } })]);
    checks.push(['Dataloop /token', send(gh.url, { method: 'POST', path: '/token?default', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: gh.admin.email, password: gh.admin.password, type: 'user_credentials' }) })]);
    checks.push(['NOMAD /auth/token', send(gh.url, { path: `/api/v1/auth/token?${new URLSearchParams({ username: gh.admin.email, password: gh.admin.password })}` })]);
    checks.push(['introspect', postForm(gh.url, { token: admin }, { path: '/oauth/introspect', headers: { authorization: `Bearer ${admin}` } })]);
    checks.push(['revoke', postForm(gh.url, { token: 'nothing' }, { path: '/oauth/revoke' })]);
    for (const [name, p] of checks) {
      const r = await p;
      assert.ok(r.status < 500, `${name}: ${r.status}`);
      assert.equal(r.headers['cache-control'], 'no-store', `${name} (${r.status}) is not cacheable`);
    }
    const discovery = await send(gh.url, { path: '/.well-known/openid-configuration' });
    assert.match(String(discovery.headers['cache-control']), /^public, max-age=\d+$/);
    const jwks = await send(gh.url, { path: '/.well-known/jwks.json' });
    assert.match(String(jwks.headers['cache-control']), /^public, max-age=\d+$/);
  });

  test("helmet's headers fit an API; no HSTS on a plain-http issuer", async () => {
    const r = await send(gh.url, { path: '/healthz' });
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(r.headers['x-powered-by'], undefined);
    assert.equal(r.headers['strict-transport-security'], undefined);
  });

  test("helmet's whole header set is on token responses, errors and unknown paths alike", async () => {
    // What helmet 8 sets with contentSecurityPolicy and hsts off, recorded once at start-up (security/helmet-headers.ts).
    const expected = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const responses = [
      await postForm(gh.url, { grant_type: 'password', username: gh.admin.email, password: gh.admin.password }),
      await postForm(gh.url, { grant_type: 'client_credentials' }),
      await send(gh.url, { path: '/nowhere' }),
      await send(gh.url, { path: '/api/v1/projects', headers: { authorization: 'Bearer nope' } }),
    ];
    for (const r of responses) {
      for (const [name, value] of Object.entries(expected)) assert.equal(r.headers[name], value, `${name} on a ${r.status}`);
      assert.equal(r.headers['content-security-policy'], undefined);
    }
  });

  test('CORS is off by default: no Access-Control-* headers, preflights are not answered', async () => {
    const simple = await send(gh.url, { path: '/.well-known/jwks.json', headers: { origin: 'https://evil.example' } });
    assert.equal(simple.status, 200);
    assert.ok(!Object.keys(simple.headers).some((h) => h.startsWith('access-control-')));
    const preflight = await send(gh.url, { method: 'OPTIONS', path: '/oauth/token', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.ok(preflight.status >= 400, `preflight ${preflight.status}`);
    assert.ok(!Object.keys(preflight.headers).some((h) => h.startsWith('access-control-')));
  });
});

describe('CORS with configured origins', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_CORS_ORIGINS: 'https://app.example, http://localhost:3000/' } });
  });
  after(() => gh.stop());

  test('an allowed origin gets its own origin back (never *, never credentials), with Vary: Origin', async () => {
    const r = await postForm(gh.url, { grant_type: 'password', username: gh.admin.email, password: gh.admin.password }, { headers: { origin: 'https://app.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(r.headers.vary), /Origin/i);
    assert.match(String(r.headers['access-control-expose-headers']), /WWW-Authenticate/);
    assert.equal(r.headers['access-control-allow-credentials'], undefined);
    const local = await send(gh.url, { path: '/healthz', headers: { origin: 'http://localhost:3000' } });
    assert.equal(local.headers['access-control-allow-origin'], 'http://localhost:3000');
  });

  test('preflights of allowed origins are answered for every path; others are not', async () => {
    const ok = await send(gh.url, { method: 'OPTIONS', path: '/api/v1/projects', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
    assert.match(String(ok.headers['access-control-allow-headers']), /Authorization/);
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null']) {
      const no = await send(gh.url, { method: 'OPTIONS', path: '/api/v1/projects', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal(no.headers['access-control-allow-origin'], undefined, origin);
      assert.notEqual(no.status, 204, origin);
    }
  });

  test('configured origins are validated at start-up', async () => {
    assert.deepEqual([...parseOrigins(['https://a.example', 'http://b.example:8080/']).allowed], ['https://a.example', 'http://b.example:8080']);
    assert.equal(parseOrigins(['*']).any, true);
    for (const bad of ['a.example', 'https://a.example/path', 'https://a.example?x', 'file:///etc']) {
      assert.throws(() => parseOrigins([bad]), /not an origin/, bad);
    }
    await assert.rejects(startGatehouse({ env: { GATEHOUSE_CORS_ORIGINS: 'https://ok.example,not-an-origin' } }), /not an origin/);
  });
});

test('HSTS is sent when the issuer is https (behind a TLS-terminating proxy)', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-hsts-'));
  const config = loadConfig(['--port', '0', '--data-dir', dataDir], {
    GATEHOUSE_ISSUER: 'https://id.example.com',
    GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 9).toString('hex'),
    GATEHOUSE_ADMIN_PASSWORD: 'admin-password-hsts',
    GATEHOUSE_LOG_LEVEL: 'silent',
  });
  const server = await startServer(config, { print: () => undefined, logStream: new Writable({ write: (_c, _e, cb) => cb() }) });
  try {
    const r = await server.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(r.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
