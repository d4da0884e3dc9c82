// OAuth clients as a project's resource (issue 18 item 1) over real HTTP: a web client's secret shown once and
// usable at the token endpoint, public clients without one, redirect URI rules (exact; native loopback any
// port), the refresh policy of public clients, first-party reserved to administrators, roles, audit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { addMember, assertError, call, grantedBotToken, newUser } from './http.ts';
import { matchRedirectUri, redirectUriProblem } from '../../src/domain/oauth-clients.ts';

describe('redirect URI rules', () => {
  test('exact match; a native client may use its loopback redirect on any port (RFC 8252 §7.3)', () => {
    const web = { type: 'web' as const, redirectUris: ['https://app.example/cb', 'http://127.0.0.1:3000/cb'] };
    assert.equal(matchRedirectUri(web, 'https://app.example/cb'), true);
    for (const bad of ['https://app.example/cb/', 'https://app.example/cb?x=1', 'https://APP.example/cb', 'https://app.example/cb#f', 'https://app.example.evil/cb', 'http://127.0.0.1:3001/cb']) {
      assert.equal(matchRedirectUri(web, bad), false, bad);
    }
    const native = { type: 'native' as const, redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'] };
    assert.equal(matchRedirectUri(native, 'http://127.0.0.1:51234/callback'), true);
    assert.equal(matchRedirectUri(native, 'http://127.0.0.1/callback'), true);
    assert.equal(matchRedirectUri(native, 'com.example.app:/oauth'), true);
    for (const bad of ['http://127.0.0.1:51234/other', 'http://localhost:51234/callback', 'http://127.0.0.2:5/callback', 'https://127.0.0.1:51234/callback', 'http://127.0.0.1:1@evil.example/callback']) {
      assert.equal(matchRedirectUri(native, bad), false, bad);
    }
  });

  test('what may be registered', () => {
    assert.equal(redirectUriProblem('web', 'https://app.example/cb'), undefined);
    assert.equal(redirectUriProblem('spa', 'http://localhost:5173/cb'), undefined);
    assert.equal(redirectUriProblem('native', 'com.example.app:/cb'), undefined);
    assert.match(redirectUriProblem('web', 'http://app.example/cb')!, /https/);
    assert.match(redirectUriProblem('web', 'https://app.example/cb#x')!, /fragment/);
    assert.match(redirectUriProblem('web', 'https://*.example/cb')!, /wildcard/);
    assert.match(redirectUriProblem('web', 'https://u:p@app.example/cb')!, /credentials/);
    assert.match(redirectUriProblem('native', 'javascript:alert(1)')!, /forbidden/);
    assert.match(redirectUriProblem('web', 'com.example.app:/cb')!, /https/);
    assert.match(redirectUriProblem('web', '/relative')!, /absolute/);
  });
});

describe('OAuth clients over the management API', () => {
  let gh: Gatehouse;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let viewer: Awaited<ReturnType<typeof newUser>>;
  let projectId: string;
  const base = () => `/api/v1/projects/${projectId}/clients`;

  before(async () => {
    gh = await startGatehouse();
    owner = await newUser(gh, 'owner');
    viewer = await newUser(gh, 'viewer');
    projectId = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'clients' } })).body.id;
    await addMember(gh, owner.token, projectId, viewer, 'viewer');
  });
  after(() => gh.stop());

  test('a web client: its secret is shown once, stored hashed, and authenticates at the token endpoint', async () => {
    const r = await call(gh, 'POST', base(), { token: owner.token, body: { name: 'Portal', type: 'web', redirect_uris: ['https://portal.example/cb'], post_logout_redirect_uris: ['https://portal.example/'] } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const c = r.body;
    assert.match(c.client_id, /^ghc_/);
    assert.match(c.client_secret, /^ghs_[A-Za-z0-9_-]{43}$/);
    assert.ok(c.client_secret.startsWith(c.secret_prefix));
    assert.deepEqual(c.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(c.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(c.first_party, false);
    assert.deepEqual(c.refresh_token, { rotation: 'strict', grace_seconds: 30, idle_seconds: 30 * 86400, absolute_seconds: 365 * 86400 });
    const read = await call(gh, 'GET', `${base()}/${c.id}`, { token: viewer.token });
    const list = await call(gh, 'GET', base(), { token: viewer.token });
    for (const x of [read, list]) {
      assert.equal(x.status, 200);
      assert.ok(!x.text.includes(c.client_secret));
      assert.ok(!x.text.includes('"client_secret"'));
    }
    // The secret authenticates (the grant is then the client's to refuse: no password grant for it).
    const wrong = await gh.token({ grant_type: 'refresh_token', refresh_token: 'ghr_x' }, { basic: [c.client_id, 'ghs_wrong'] });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const pw = await gh.token({ grant_type: 'password', username: owner.email, password: owner.password }, { basic: [c.client_id, c.client_secret] });
    assert.equal(pw.status, 400);
    assert.equal(pw.body.error, 'unauthorized_client');
    // Without its secret a web client is not a public client.
    const none = await gh.token({ grant_type: 'refresh_token', refresh_token: 'ghr_x', client_id: c.client_id });
    assert.equal(none.body.error, 'invalid_client');

    const rotated = await call(gh, 'POST', `${base()}/${c.id}/rotate-secret`, { token: owner.token });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.client_secret, c.client_secret);
    const old = await gh.token({ grant_type: 'password', username: owner.email, password: owner.password }, { basic: [c.client_id, c.client_secret] });
    assert.equal(old.body.error, 'invalid_client');
    assert.ok(!gh.logs().includes(c.client_secret) && !gh.logs().includes(rotated.body.client_secret), 'a secret reached the logs');
  });

  test('spa and native clients are public: no secret, and their refresh tokens must rotate', async () => {
    const spa = await call(gh, 'POST', base(), { token: owner.token, body: { name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example/cb'] } });
    assert.equal(spa.status, 201, spa.text);
    assert.equal(spa.body.client_secret, undefined);
    assert.equal(spa.body.secret_prefix, null);
    assert.equal(spa.body.token_endpoint_auth_method, 'none');
    const native = await call(gh, 'POST', base(), { token: owner.token, body: { name: 'Desktop', type: 'native', redirect_uris: ['http://127.0.0.1/callback', 'com.example.desktop:/cb'], grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'] } });
    assert.equal(native.status, 201, native.text);
    assertError(await call(gh, 'POST', base(), { token: owner.token, body: { name: 'x', type: 'spa', redirect_uris: ['https://spa.example/cb'], refresh_token: { rotation: 'off' } } }), 400, /must rotate/);
    assertError(await call(gh, 'POST', `${base()}/${spa.body.id}/rotate-secret`, { token: owner.token }), 400, /Only web/);
    const web = await call(gh, 'POST', base(), { token: owner.token, body: { name: 'w', type: 'web', redirect_uris: ['https://w.example/cb'], refresh_token: { rotation: 'off', idle_seconds: 3600, absolute_seconds: 7200 }, id_token_signed_response_alg: 'RS256' } });
    assert.equal(web.status, 201, web.text);
    assert.deepEqual(web.body.refresh_token, { rotation: 'off', grace_seconds: 30, idle_seconds: 3600, absolute_seconds: 7200 });
    assert.equal(web.body.id_token_signed_response_alg, 'RS256');
    // RS256 keys now exist and are published.
    const jwks = await (await fetch(`${gh.url}/.well-known/jwks.json`)).json();
    assert.ok(jwks.keys.some((k: any) => k.alg === 'RS256'));
  });

  test('bad registrations are 400s that say why', async () => {
    const bad = async (body: unknown, message: RegExp) => assertError(await call(gh, 'POST', base(), { token: owner.token, body }), 400, message);
    await bad({ name: 'x', type: 'web', redirect_uris: ['http://evil.example/cb'] }, /https/);
    await bad({ name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb#frag'] }, /fragment/);
    await bad({ name: 'x', type: 'spa' }, /at least one redirect URI/);
    await bad({ name: 'x', type: 'desktop', redirect_uris: ['https://a.example/cb'] }, /type/);
    await bad({ name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'], grant_types: ['password'] }, /grant_types/);
    await bad({ name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'], audiences: ['https://unknown.example'] }, /No API/);
    await bad({ name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'], refresh_token: { idle_seconds: 7200, absolute_seconds: 3600 } }, /idle lifetime/);
    await bad({ name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'], post_logout_redirect_uris: ['javascript:alert(1)'] }, /post-logout/);
  });

  test('roles: viewers read, developers manage, bots cannot; outsiders see 404; first_party is for administrators', async () => {
    assertError(await call(gh, 'POST', base(), { token: viewer.token, body: { name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'] } }), 403, /developer/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'GET', base(), { token: outsider.token }), 404);
    const bot = await gh.api('POST', `/api/v1/projects/${projectId}/bots`, { name: 'clientbot' }, owner.token);
    assertError(await call(gh, 'POST', base(), { token: await grantedBotToken(gh, owner.token, bot), body: { name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'] } }), 403, /Bots/);
    assertError(await call(gh, 'POST', base(), { token: owner.token, body: { name: 'x', type: 'spa', redirect_uris: ['https://a.example/cb'], first_party: true } }), 403, /administrators/);
    const admin = await gh.adminToken();
    const c = await call(gh, 'POST', base(), { token: owner.token, body: { name: 'Own app', type: 'spa', redirect_uris: ['https://own.example/cb'] } });
    const marked = await call(gh, 'PATCH', `${base()}/${c.body.id}`, { token: admin, body: { first_party: true } });
    assert.equal(marked.status, 403, 'an admin outside the project cannot change it');
    await addMember(gh, owner.token, projectId, gh.admin, 'developer');
    const again = await call(gh, 'PATCH', `${base()}/${c.body.id}`, { token: admin, body: { first_party: true, redirect_uris: ['https://own.example/cb2'] } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.first_party, true);
    assert.deepEqual(again.body.redirect_uris, ['https://own.example/cb2']);
    assertError(await call(gh, 'DELETE', `${base()}/${c.body.id}`, { token: viewer.token }), 403);
    assert.equal((await call(gh, 'DELETE', `${base()}/${c.body.id}`, { token: owner.token })).status, 204);
    assertError(await call(gh, 'GET', `${base()}/${c.body.id}`, { token: owner.token }), 404);
  });

  test('every change is audited', async () => {
    const wanted = ['client.created', 'client.updated', 'client.secret_rotated', 'client.deleted'];
    await eventually(async () => {
      const page = await gh.api('GET', `/api/v1/audit-events?project=${projectId}&limit=100`, undefined, owner.token);
      const types = new Set(page.events.map((e: any) => e.type));
      return wanted.every((t) => types.has(t)) || undefined;
    }, { message: 'client audit events' });
  });

  test('the CLI registers, lists and deletes clients', async () => {
    const bin = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [bin, ...args, '--url', gh.url, '--token', owner.token, '--json'], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } });
    const created = JSON.parse((await run('clients', 'create', 'From CLI', '--project', projectId, '--type', 'web', '--redirect-uris', 'https://cli.example/cb')).stdout);
    assert.match(created.client_secret, /^ghs_/);
    const listed = JSON.parse((await run('clients', 'list', '--project', projectId)).stdout);
    assert.ok(listed.some((c: any) => c.id === created.id && !('client_secret' in c)));
    await run('clients', 'delete', created.id, '--project', projectId);
    assert.ok(!JSON.parse((await run('clients', 'list', '--project', projectId)).stdout).some((c: any) => c.id === created.id));
  });

  test('the OpenAPI document describes the clients routes', async () => {
    const doc = await (await fetch(`${gh.url}/api/v1/openapi.json`)).json();
    for (const p of ['/api/v1/projects/{projectId}/clients', '/api/v1/projects/{projectId}/clients/{clientId}', '/api/v1/projects/{projectId}/clients/{clientId}/rotate-secret']) assert.ok(doc.paths[p], p);
    assert.ok(doc.tags.some((t: any) => t.name === 'clients'));
  });
});
