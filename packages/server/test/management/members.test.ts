// Project members over real HTTP: bots listed and marked as bots with their role, users added by email with a
// role, role changes, removal, leaving, and the invariant that a project always keeps an owner.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { addMember, assertError, botToken, call, login, newUser } from './http.ts';

describe('members', () => {
  let gh: Gatehouse;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let carol: Awaited<ReturnType<typeof newUser>>;
  let dave: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    gh = await startGatehouse();
    owner = await newUser(gh, 'owner');
    carol = await newUser(gh, 'carol');
    dave = await newUser(gh, 'dave');
  });
  after(() => gh.stop());

  const project = async (name = 'team') => (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name } })).body as { id: string };
  const members = async (projectId: string, token = owner.token) => (await call(gh, 'GET', `/api/v1/projects/${projectId}/members`, { token })).body as any[];

  test('the list holds users and bots, bots marked as bots with their role', async () => {
    const p = await project();
    const ci = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: owner.token, body: { name: 'ci' } })).body;
    const reader = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: owner.token, body: { name: 'reader', role: 'viewer' } })).body;
    const list = await members(p.id);
    assert.deepEqual(
      list.map((m) => [m.type, m.email, m.role]),
      [
        ['user', owner.email, 'owner'],
        ['bot', ci.email, 'developer'],
        ['bot', reader.email, 'viewer'],
      ],
    );
    assert.equal(list[1].id, ci.id);
    assert.equal(list[1].name, 'ci');
    assert.ok(list.every((m) => Object.keys(m).sort().join() === 'added_at,email,id,name,role,type'), 'no secret or extra field in the list');
  });

  test('an owner invites a user by email with a role; at sign-in the invitation becomes a membership', async () => {
    const p = await project();
    const invited = await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email.toUpperCase(), role: 'developer' } });
    assert.equal(invited.status, 201);
    assert.deepEqual([invited.body.email, invited.body.role, invited.body.status], [carol.email, 'developer', 'invited']);
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: carol.token }), 404);
    const pending = (await call(gh, 'GET', `/api/v1/projects/${p.id}/invitations`, { token: owner.token })).body;
    assert.deepEqual(pending.map((i: any) => [i.id, i.email, i.role]), [[invited.body.id, carol.email, 'developer']]);
    await login(gh, carol.email, carol.password);
    const seen = await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: carol.token });
    assert.equal(seen.body.role, 'developer');
    assert.ok((await members(p.id)).some((m) => m.id === carol.id));
    assert.deepEqual((await call(gh, 'GET', `/api/v1/projects/${p.id}/invitations`, { token: owner.token })).body, []);
  });

  test('an unknown address gets the same answer; owners list and revoke invitations; others cannot', async () => {
    const p = await project();
    const unknown = await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: 'nobody@example.com', role: 'viewer' } });
    const known = await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: dave.email, role: 'viewer' } });
    assert.deepEqual([unknown.status, Object.keys(unknown.body).sort()], [known.status, Object.keys(known.body).sort()]);
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}/invitations`, { token: dave.token }), 404);
    assert.equal((await call(gh, 'DELETE', `/api/v1/projects/${p.id}/invitations/${known.body.id}`, { token: owner.token })).status, 204);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}/invitations/${known.body.id}`, { token: owner.token }), 404, /Invitation not found/);
    await login(gh, dave.email, dave.password);
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: dave.token }), 404, /Project not found/);
    assert.deepEqual((await call(gh, 'GET', `/api/v1/projects/${p.id}/invitations`, { token: owner.token })).body.map((i: any) => i.email), ['nobody@example.com']);
  });

  test('adding: already a member 409, unknown role 400, bad email 400 — and nothing written', async () => {
    const p = await project();
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: owner.email, role: 'viewer' } }), 409, /already a member/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email, role: 'admin' } }), 400, /"role" must be one of owner, developer, viewer/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: 'not-an-email', role: 'viewer' } }), 400, /"email" is not an email address/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email } }), 400, /missing the required field "role"/);
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: owner.token, body: { email: carol.email, role: 'viewer', admin: true } }), 400, /unknown field "admin"/);
    const list = await members(p.id);
    assert.deepEqual(list.map((m) => m.email), [owner.email]);
    assert.equal(list[0].role, 'owner');
    assert.deepEqual((await call(gh, 'GET', `/api/v1/projects/${p.id}/invitations`, { token: owner.token })).body, []);
  });

  test('only owners manage members: a developer or viewer gets 403, an outsider 404, a bot 403', async () => {
    const p = await project();
    await addMember(gh, owner.token, p.id, carol, 'developer');
    await addMember(gh, owner.token, p.id, dave, 'viewer');
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: carol.token, body: { email: dave.email, role: 'owner' } }), 403, /owner role/);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${dave.id}`, { token: dave.token, body: { role: 'owner' } }), 403, /owner role.*viewer/);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: dave.token }), 403);
    // Viewers may read the list.
    assert.equal((await members(p.id, dave.token)).length, 3);

    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}/members`, { token: outsider.token }), 404);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: outsider.token, body: { role: 'viewer' } }), 404);

    const bot = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: owner.token, body: { name: 'robot' } })).body;
    await gh.api('PUT', `/api/v1/apis/management/grants/${bot.id}`, { scopes: ['projects:read', 'members:write'] }, owner.token);
    const bt = await botToken(gh, bot);
    assert.equal((await members(p.id, bt)).length, 4, 'a bot may read the members of its project');
    assertError(await call(gh, 'POST', `/api/v1/projects/${p.id}/members`, { token: bt, body: { email: dave.email, role: 'owner' } }), 403, /Bots cannot manage/);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${bot.id}`, { token: bt, body: { role: 'viewer' } }), 403, /Bots cannot manage/);
    assert.deepEqual((await members(p.id)).map((m) => m.role), ['owner', 'developer', 'viewer', 'developer']);
  });

  test('roles change; a bot can be developer or viewer, never owner', async () => {
    const p = await project();
    await addMember(gh, owner.token, p.id, carol, 'viewer');
    const changed = await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token, body: { role: 'developer' } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.role, 'developer');
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: carol.token })).body.role, 'developer');

    const bot = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: owner.token, body: { name: 'b' } })).body;
    const toViewer = await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${bot.id}`, { token: owner.token, body: { role: 'viewer' } });
    assert.equal(toViewer.status, 200);
    assert.equal((await call(gh, 'GET', `/api/v1/projects/${p.id}/bots/${bot.id}`, { token: owner.token })).body.role, 'viewer');
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${bot.id}`, { token: owner.token, body: { role: 'owner' } }), 400, /bot cannot be an owner/);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token, body: { role: 'god' } }), 400, /must be one of/);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${dave.id}`, { token: owner.token, body: { role: 'viewer' } }), 404, /Member not found/);
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/not%20an%20id`, { token: owner.token, body: { role: 'viewer' } }), 400, /"memberId" is not a valid id/);
  });

  test('the last owner can be neither demoted nor removed; with a second owner both work', async () => {
    const p = await project();
    assertError(await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: owner.token, body: { role: 'developer' } }), 409, /last owner/);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: owner.token }), 409, /last owner/);
    assert.equal((await members(p.id))[0].role, 'owner');

    await addMember(gh, owner.token, p.id, carol, 'owner');
    const demoted = await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: carol.token, body: { role: 'viewer' } });
    assert.equal(demoted.status, 200);
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: carol.token }), 409, /last owner/);
    const removed = await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: carol.token });
    assert.equal(removed.status, 204);
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: owner.token }), 404);
  });

  test('two owners demoting each other at the same moment: exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const p = await project(`race-${round}`);
      await addMember(gh, owner.token, p.id, carol, 'owner');
      const [a, b] = await Promise.all([
        call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token, body: { role: 'viewer' } }),
        call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${owner.id}`, { token: carol.token, body: { role: 'viewer' } }),
      ]);
      // The loser is refused either by the role check (403: no longer an owner) or, when both passed it, by
      // the store's guard (409: last owner).
      const statuses = [a.status, b.status].sort();
      assert.equal(statuses[0], 200, 'one demotion succeeds');
      assert.ok(statuses[1] === 403 || statuses[1] === 409, `the other is refused, got ${statuses[1]}`);
      // Both are still members (one owner, one viewer), so either may read the list.
      const owners = (await members(p.id, carol.token)).filter((m) => m.role === 'owner');
      assert.equal(owners.length, 1, 'exactly one owner remains');
    }
  });

  test('a member may leave; a bot leaves only by being deleted', async () => {
    const p = await project();
    await addMember(gh, owner.token, p.id, dave, 'viewer');
    const left = await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${dave.id}`, { token: dave.token });
    assert.equal(left.status, 204);
    assertError(await call(gh, 'GET', `/api/v1/projects/${p.id}`, { token: dave.token }), 404);

    const bot = (await call(gh, 'POST', `/api/v1/projects/${p.id}/bots`, { token: owner.token, body: { name: 'stays' } })).body;
    assertError(await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${bot.id}`, { token: owner.token }), 409, /Bots leave a project by being deleted/);
    assert.ok((await members(p.id)).some((m) => m.id === bot.id));
  });

  test('membership changes are in the audit log of the project', async () => {
    const p = await project();
    await addMember(gh, owner.token, p.id, carol, 'viewer');
    await call(gh, 'PATCH', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token, body: { role: 'developer' } });
    await call(gh, 'DELETE', `/api/v1/projects/${p.id}/members/${carol.id}`, { token: owner.token });
    const events = (await call(gh, 'GET', `/api/v1/audit-events?project=${p.id}`, { token: owner.token })).body.events;
    assert.deepEqual(
      events.filter((e: any) => e.type.startsWith('member.')).map((e: any) => [e.type, e.subject, e.detail.member]),
      [
        ['member.removed', owner.id, carol.id],
        ['member.role_changed', owner.id, carol.id],
        ['member.added', owner.id, carol.id],
      ],
    );
  });
});
