// Bad input everywhere in the management API: every route listed in the OpenAPI document gets hostile bodies,
// ids and headers, and must answer a 4xx in the one error shape (never a 5xx, never a stack trace).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type Reply, assertError, call, newUser } from './http.ts';

const HOSTILE_BODIES: { label: string; raw: string; contentType?: string }[] = [
  { label: 'an array', raw: '[1,2,3]' },
  { label: 'a string', raw: '"hello"' },
  { label: 'a number', raw: '42' },
  { label: 'null', raw: 'null' },
  { label: 'unknown fields', raw: '{"surprise":true,"__gh":1}' },
  { label: 'wrong types', raw: '{"name":{"$gt":""},"email":[1],"role":7,"scopes":"all","expires_in":"soon","identifier":false}' },
  { label: 'a prototype key', raw: '{"__proto__":{"isAdmin":true},"name":"x"}' },
  { label: 'constructor pollution', raw: '{"constructor":{"prototype":{"isAdmin":true}}}' },
  { label: 'deep nesting', raw: '{"a":'.repeat(500) + '1' + '}'.repeat(500) },
  { label: 'broken JSON', raw: '{"name": "x",' },
  { label: 'an empty JSON body', raw: '' },
  { label: 'a form body', raw: 'name=x&role=owner', contentType: 'application/x-www-form-urlencoded' },
  { label: 'XML', raw: '<name>x</name>', contentType: 'application/xml' },
  { label: 'a very long string', raw: JSON.stringify({ name: 'x'.repeat(60_000) }) },
  { label: 'an oversize body', raw: JSON.stringify({ name: 'x'.repeat(200_000) }) },
];

function assertClientError(r: Reply, what: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: expected a 4xx, got ${r.status} ${r.text.slice(0, 300)}`);
  assertError(r, r.status);
}

describe('bad input', () => {
  let gh: Gatehouse;
  let admin: string;
  let routes: { method: string; path: string; hasBody: boolean }[];
  const ids: Record<string, string> = {};

  before(async () => {
    gh = await startGatehouse();
    admin = await gh.adminToken();
    const doc = await (await fetch(`${gh.url}/api/v1/openapi.json`)).json();
    routes = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, hasBody: !!op.requestBody })),
    );
    const p = await gh.createProject('target');
    const bot = await gh.createBot({ projectId: p.id, name: 'target' });
    const api = await gh.createApi({ identifier: 'https://target', scopes: ['s'] });
    const token = (await call(gh, 'POST', '/api/v1/app-tokens', { token: admin, body: { name: 'target' } })).body;
    const me = (await call(gh, 'GET', '/api/v1/users/me', { token: admin })).body;
    Object.assign(ids, { projectId: p.id, botId: bot.id, apiId: api.id, tokenId: token.id, memberId: me.id });
  });
  after(() => gh.stop());

  const fill = (path: string, value?: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => value ?? ids[name] ?? 'x');

  test('the sweep covers every documented route', () => {
    assert.ok(routes.length >= 25, `only ${routes.length} routes documented`);
  });

  test('hostile bodies on every route with a body: a 4xx in the one shape', async () => {
    for (const r of routes.filter((x) => x.hasBody)) {
      for (const b of HOSTILE_BODIES) {
        // A body that happens to be acceptable is fine (e.g. a prototype key is stripped), a 5xx never is.
        const res = await call(gh, r.method, fill(r.path), { token: admin, raw: b.raw, contentType: b.contentType });
        if (res.status < 300) continue;
        assertClientError(res, `${r.method} ${r.path} with ${b.label}`);
      }
    }
    const p = await call(gh, 'GET', `/api/v1/projects/${ids.projectId}`, { token: admin });
    assert.equal(p.body.name, 'target', 'nothing was changed by the sweep');
  });

  test('bad and unknown ids on every route with a path parameter', async () => {
    for (const r of routes.filter((x) => x.path.includes('{'))) {
      for (const [label, value, status] of [
        ['a malformed id', 'bad%20id', 400],
        ['an id with a dot', 'a.b', 400],
        ['an overlong id', 'a'.repeat(65), 400],
        ['an unknown id', '00000000-0000-4000-8000-000000000000', 404],
      ] as const) {
        const res = await call(gh, r.method, fill(r.path, value), { token: admin, body: r.hasBody ? {} : undefined });
        assertClientError(res, `${r.method} ${r.path} with ${label}`);
        // Schema failures of the body may come first for an unknown id; never a 2xx or a 5xx.
        if (status === 400) assert.equal(res.status, 400, `${r.method} ${r.path} with ${label}: ${res.text}`);
      }
    }
  });

  test('every route refuses a missing, malformed or forged bearer token with 401 and WWW-Authenticate', async () => {
    const forged = ['eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0', 'eyJzdWIiOiJhZG1pbiJ9', ''].join('.');
    for (const r of routes) {
      if (r.method === 'POST' && r.path === '/api/v1/users') continue; // open when sign-up is on; tested in users
      const path = fill(r.path);
      const none = await call(gh, r.method, path);
      assertError(none, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      const malformed = await call(gh, r.method, path, { headers: { authorization: 'Bearer a b c' } });
      assertError(malformed, 401, /Malformed Authorization header/);
      const basic = await call(gh, r.method, path, { headers: { authorization: 'Basic YTpi' } });
      assertError(basic, 401);
      const bad = await call(gh, r.method, path, { token: forged });
      assertError(bad, 401);
      assert.equal(bad.headers.get('x-auth-reason'), 'token_invalid');
      assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  test('a token for another audience is refused by the management API', async () => {
    const api = await gh.createApi({ identifier: 'https://not-management', scopes: [] });
    const bot = await gh.createBot({ name: 'aud' });
    await gh.grant(api.id, bot.id, []);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://not-management' });
    assertError(await call(gh, 'GET', '/api/v1/projects', { token: t.body.access_token }), 401, /audience/);
  });

  test('unknown routes and methods under /api/v1 are 404s in the one shape', async () => {
    assertError(await call(gh, 'GET', '/api/v1/nothing-here', { token: admin }), 404, /No route for GET \/api\/v1\/nothing-here/);
    assertError(await call(gh, 'PUT', '/api/v1/projects', { token: admin, body: {} }), 404);
  });

  test('a path parameter over the router\'s limit is a 4xx in the one shape', async () => {
    const r = await call(gh, 'GET', `/api/v1/projects/${'a'.repeat(300)}`, { token: admin });
    assert.ok(r.status >= 400 && r.status < 500);
    assertError(r, r.status);
  });

  test('secrets in the query string are redacted from error bodies', async () => {
    const r = await call(gh, 'GET', '/api/v1/audit-events?access_token=sekrit&password=hunter2', { token: admin });
    assertError(r, 400);
    assert.ok(!r.text.includes('sekrit') && !r.text.includes('hunter2'));
    assert.match(r.body.uri, /access_token=REDACTED&password=REDACTED/);
  });

  test('after all of that the server is healthy and a plain user still works', async () => {
    const u = await newUser(gh, 'after');
    assert.equal((await call(gh, 'POST', '/api/v1/projects', { token: u.token, body: { name: 'fine' } })).status, 201);
    assert.doesNotMatch(gh.logs(), /"level":50.*unexpected error/, 'no unexpected (500) error was logged');
  });
});
