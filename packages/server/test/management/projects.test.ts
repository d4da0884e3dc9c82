// Projects over real HTTP: create, list (only the caller's), read (the Dataloop seed's GET), rename, delete,
// and the role boundaries (outsiders see 404, not 403; viewers read but do not change; bots do not create).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, grantedBotToken, newUser, addMember } from './http.ts';

describe('projects', () => {
  let gh: Gatehouse;
  let alice: Awaited<ReturnType<typeof newUser>>;
  let bob: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    gh = await startGatehouse();
    alice = await newUser(gh, 'alice');
    bob = await newUser(gh, 'bob');
  });
  after(() => gh.stop());

  test('the creator becomes owner; list shows only the caller\'s projects; GET reads one', async () => {
    const created = await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: '  Cargo  ' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'Cargo');
    assert.equal(created.body.role, 'owner');
    assert.match(created.body.created_at, /^\d{4}-\d\d-\d\dT/);
    await call(gh, 'POST', '/api/v1/projects', { token: bob.token, body: { name: 'Bob only' } });

    const mine = await call(gh, 'GET', '/api/v1/projects', { token: alice.token });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.map((p: any) => p.name), ['Cargo']);

    const one = await call(gh, 'GET', `/api/v1/projects/${created.body.id}`, { token: alice.token });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, created.body);
  });

  test('a user outside a project gets 404 for every route of it, never 403', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'Private' } })).body;
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/v1/projects/${p.id}`],
      ['PATCH', `/api/v1/projects/${p.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/projects/${p.id}`],
      ['GET', `/api/v1/projects/${p.id}/members`],
      ['POST', `/api/v1/projects/${p.id}/members`, { email: bob.email, role: 'owner' }],
      ['GET', `/api/v1/projects/${p.id}/bots`],
      ['POST', `/api/v1/projects/${p.id}/bots`, { name: 'sneaky' }],
      ['GET', `/api/v1/audit-events?project=${p.id}`],
    ];
    for (const [method, path, body] of routes) {
      assertError(await call(gh, method, path, { token: bob.token, body }), 404, /not found/i);
    }
    // The project really exists and was not changed.
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: alice.token })).body.name, 'Private');
  });

  test('a viewer reads but cannot rename or delete; a developer cannot delete', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'Shared' } })).body;
    await addMember(gh, alice.token, p.id, bob, 'viewer');
    const read = await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: bob.token });
    assert.equal(read.status, 200);
    assert.equal(read.body.role, 'viewer');
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}`, { token: bob.token, body: { name: 'Mine now' } }), 403, /owner role.*viewer/);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}`, { token: bob.token }), 403);

    const members = (await call(gh, 'GET', `/api/v1/projects/${p.id}/members`, { token: alice.token })).body;
    const bobMember = members.find((m: any) => m.email === bob.email);
    await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${bobMember.id}`, { token: alice.token, body: { role: 'developer' } });
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}`, { token: bob.token }), 403, /owner/);
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: alice.token })).body.name, 'Shared');
  });

  test('the owner renames and deletes; the deleted project is gone with its bots', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'Old' } })).body;
    const bot = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: alice.token, body: { name: 'worker' } })).body;
    const renamed = await call(gh, 'PATCH', `/api/v1/projects/${p.id}`, { token: alice.token, body: { name: 'New' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'New');
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: alice.token })).body.name, 'New');

    const del = await call(gh, 'DELETE', `/api/v1/projects/${p.id}`, { token: alice.token });
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: alice.token }), 404);
    const cc = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'gatehouse' });
    assert.equal(cc.status, 401);
    assert.equal(cc.body.error, 'invalid_client');
  });

  test('instance administrators may read any project but not change one they are not in', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'Audited' } })).body;
    const admin = await gh.adminToken();
    const read = await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: admin });
    assert.equal(read.status, 200);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}`, { token: admin, body: { name: 'x' } }), 403);
    // ...and their list holds only their own projects.
    const list = (await call(gh, 'GET', '/api/v1/projects', { token: admin })).body;
    assert.ok(!list.some((x: any) => x.id === p.id));
  });

  test('a bot cannot create projects, nor rename or delete its own', async () => {
    const p = (await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'Botted' } })).body;
    const bot = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: alice.token, body: { name: 'ci' } })).body;
    const t = await grantedBotToken(gh, alice.token, bot);
    assertError(await call(gh, 'POST', '/api/v1/projects', { token: t, body: { name: 'bot land' } }), 403, /Bots cannot create projects/);
    const list = await call(gh, 'GET', '/api/v1/projects', { token: t });
    assert.deepEqual(list.body.map((x: any) => [x.id, x.role]), [[p.id, 'developer']]);
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: t })).status, 200);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}`, { token: t, body: { name: 'pwned' } }), 403);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}`, { token: t }), 403);
  });

  test('names: trimmed, 1 to 200 characters, nothing else in the body', async () => {
    assertError(await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: '' } }), 400, /"name" must not be empty/);
    assertError(await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'x'.repeat(201) } }), 400, /at most 200 characters/);
    assertError(await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: 'ok', owner: 'me' } }), 400, /unknown field "owner"/);
    assertError(await call(gh, 'POST', '/api/v1/projects', { token: alice.token, body: { name: ['a'] } }), 400, /"name" must be a string/);
  });
});
