// Bots over real HTTP: credentials shown exactly once, never in reads or lists; rotation (immediate or with a
// grace period); deletion that stops tokens; and the role boundaries (viewers and bots do not manage bots).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, grantedBotToken, newUser, addMember } from './http.ts';

describe('bots', () => {
  let gh: Gatehouse;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let viewer: Awaited<ReturnType<typeof newUser>>;
  let projectId: string;

  before(async () => {
    gh = await startGatehouse();
    owner = await newUser(gh, 'owner');
    viewer = await newUser(gh, 'viewer');
    projectId = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'bots' } })).body.id;
    await addMember(gh, owner.token, projectId, viewer, 'viewer');
  });
  after(() => gh.stop());

  const cc = (client_id: string, client_secret: string) => gh.token({ grant_type: 'client_credentials', client_id, client_secret, audience: 'gatehouse' });

  test('creation returns email and password, the same values as client_id and client_secret, once', async () => {
    const r = await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'ingest' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const b = r.body;
    assert.equal(b.name, 'ingest');
    assert.equal(b.role, 'developer');
    assert.match(b.email, /^ingest\.[0-9a-f]+@bots\./);
    assert.equal(b.client_id, b.email);
    assert.match(b.password, /^ghb_[A-Za-z0-9_-]{43}$/);
    assert.equal(b.client_secret, b.password);
    assert.ok(b.password.startsWith(b.secret_prefix));
    for (const k of ['id', 'project_id', 'created_at']) assert.ok(b[k], k);

    // Never again: not in the read, not in the list.
    const read = await call(gh, 'GET', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token });
    const list = await call(gh, 'GET', `/api/v1/projects/${projectId}/bots`, { token: owner.token });
    const members = await call(gh, 'GET', `/api/v1/projects/${projectId}/members`, { token: owner.token });
    for (const r2 of [read, list, members]) {
      assert.equal(r2.status, 200);
      assert.ok(!r2.text.includes(b.password), 'the secret appears again');
      assert.ok(!/"(password|client_secret)"/.test(r2.text), 'a secret field appears again');
    }
    assert.equal(read.body.email, b.email);
    assert.ok(list.body.some((x: any) => x.id === b.id));
    // ...and it works, both as client credentials and as a password.
    assert.equal((await cc(b.client_id, b.client_secret)).status, 200);
    assert.equal((await gh.token({ grant_type: 'password', username: b.email, password: b.password })).status, 200);
    assert.ok(!gh.logs().includes(b.password), 'the secret reached the logs');
  });

  test('a viewer cannot create bots; an outsider gets 404; a bot cannot manage bots of its own project', async () => {
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: viewer.token, body: { name: 'nope' } }), 403, /developer role.*viewer/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: outsider.token, body: { name: 'nope' } }), 404);
    assertError(await call(gh, 'GET', `/api/v1/projects/${projectId}/bots`, { token: outsider.token }), 404);

    const bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'self-aware' } })).body;
    const t = await grantedBotToken(gh, owner.token, bot);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: t, body: { name: 'child' } }), 403, /Bots cannot manage bots/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${bot.id}/rotate-secret`, { token: t }), 403);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${projectId}/bots/${bot.id}`, { token: t }), 403);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${projectId}`, { token: t, body: { name: 'mine' } }), 403);
    // A bot may read its project's bots (never their secrets).
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${projectId}/bots/${bot.id}`, { token: t })).status, 200);
    const names = (await call(gh, 'GET', `/api/v1/projects/${projectId}/bots`, { token: owner.token })).body.map((x: any) => x.name);
    assert.ok(!names.includes('nope') && !names.includes('child'));
  });

  test('names: unique within the project, lowercase letters, digits and dashes; role owner refused', async () => {
    await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'twin' } });
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'twin' } }), 409, /already exists/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'Has Spaces' } }), 400, /lowercase/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'x'.repeat(64) } }), 400, /at most 63/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'boss', role: 'owner' } }), 400, /cannot be an owner/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'boss', role: 'king' } }), 400, /"role" must be one of/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'boss', secret: 'mine' } }), 400, /unknown field "secret"/);
    const other = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'other' } })).body.id;
    assert.equal((await call(gh, 'POST', `/api/v1/projects/${other}/bots`, { token: owner.token, body: { name: 'twin' } })).status, 201, 'the same name in another project is fine');
    const names = (await call(gh, 'GET', `/api/v1/projects/${projectId}/bots`, { token: owner.token })).body.map((x: any) => x.name);
    assert.equal(names.filter((n: string) => n === 'twin').length, 1);
    assert.ok(!names.includes('boss'));
  });

  test('rotation: the new secret is shown once and the old one stops at once', async () => {
    const b = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'rotor' } })).body;
    const r = await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${b.id}/rotate-secret`, { token: owner.token });
    assert.equal(r.status, 200);
    assert.notEqual(r.body.password, b.password);
    assert.equal(r.body.client_secret, r.body.password);
    assert.equal((await cc(b.client_id, b.password)).status, 401);
    assert.equal((await cc(b.client_id, r.body.password)).status, 200);
    assert.ok(!(await call(gh, 'GET', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token })).text.includes(r.body.password));
  });

  test('rotation with a grace period keeps the old secret working until it ends', async () => {
    const b = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'graceful' } })).body;
    const r = await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${b.id}/rotate-secret`, { token: owner.token, body: { grace_seconds: 600 } });
    assert.equal(r.status, 200);
    assert.equal((await cc(b.client_id, b.password)).status, 200, 'old secret within the grace period');
    assert.equal((await cc(b.client_id, r.body.password)).status, 200, 'new secret');
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${b.id}/rotate-secret`, { token: owner.token, body: { grace_seconds: -1 } }), 400, /at least 0/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${b.id}/rotate-secret`, { token: owner.token, body: { grace_seconds: '60' } }), 400, /must be an integer/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${projectId}/bots/${b.id}/rotate-secret`, { token: viewer.token }), 403);
  });

  test('deletion: its credentials, refresh tokens and access tokens stop working', async () => {
    const b = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'doomed' } })).body;
    const access = await grantedBotToken(gh, owner.token, b);
    const pw = await gh.token({ grant_type: 'password', username: b.email, password: b.password });
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${projectId}`, { token: access })).status, 200);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: viewer.token }), 403);

    const del = await call(gh, 'DELETE', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token });
    assert.equal(del.status, 204);
    assertError(await call(gh, 'GET', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token }), 404, /Bot not found/);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token }), 404);
    assert.equal((await cc(b.client_id, b.password)).status, 401);
    const refreshed = await gh.token({ grant_type: 'refresh_token', refresh_token: pw.body.refresh_token });
    assert.equal(refreshed.status, 400);
    assert.equal(refreshed.body.error, 'invalid_grant');
    const after = await call(gh, 'GET', `/api/v1/projects/${projectId}`, { token: access });
    assertError(after, 401);
    assert.equal(after.headers.get('x-auth-reason'), 'token_revoked');
  });

  test('a bot id from another project is 404 under this one', async () => {
    const other = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'elsewhere' } })).body.id;
    const b = (await call(gh, 'POST', `/api/v1/projects/${other}/bots`, { token: owner.token, body: { name: 'foreign' } })).body;
    assertError(await call(gh, 'GET', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token }), 404);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${projectId}/bots/${b.id}`, { token: owner.token }), 404);
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${other}/bots/${b.id}`, { token: owner.token })).status, 200);
  });
});
