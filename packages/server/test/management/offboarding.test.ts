// Offboarding users (issue 15 item 6): administrators disable, enable and delete users. Disabling ends everything
// the user holds (refresh tokens, sessions, access, ID and app tokens at the management API and in introspection)
// and blocks the password grant, refresh and bearer authentication; enabling restores logins, not the old tokens;
// deleting ends everything and removes memberships, and is refused for a project's last owner.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, call, newUser } from './http.ts';
import { within } from '../cluster/support.ts';

describe('offboarding users', () => {
  let gh: Gatehouse;
  let admin: string;
  let introspector: BotCredentials;
  before(async () => {
    gh = await startGatehouse();
    admin = await gh.adminToken();
    const project = await gh.createProject('offboarding');
    introspector = await gh.createBot({ name: 'introspector', projectId: project.id });
  });
  after(() => gh.stop());

  const active = async (token: string) => {
    const r = await fetch(`${gh.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: introspector.client_id, client_secret: introspector.client_secret }),
    });
    return ((await r.json()) as { active: boolean }).active;
  };
  const me = async (token: string) => (await call(gh, 'GET', '/api/v1/users/me', { token })).status;
  const passwordLogin = (u: { email: string; password: string }) => gh.token({ grant_type: 'password', username: u.email, password: u.password, scope: 'openid' });
  const appToken = async (token: string) => {
    const r = await call(gh, 'POST', '/api/v1/app-tokens', { token, body: { name: `t-${Math.random()}`, expires_in: 3600 } });
    assert.equal(r.status, 201, r.text);
    return r.body.token as string;
  };

  test('disable blocks the password grant, refresh, bearer auth and app tokens; memberships are kept; enable restores logins only', async () => {
    const u = await newUser(gh, 'leaver');
    const project = await call(gh, 'POST', '/api/v1/projects', { token: u.token, body: { name: 'kept' } });
    assert.equal(project.status, 201);
    const login = await passwordLogin(u);
    assert.equal(login.status, 200);
    const app = await appToken(u.token);
    assert.equal(await me(app), 200);
    assert.equal(await active(login.body.access_token), true);

    const disabled = await call(gh, 'POST', `/api/v1/users/${u.id}/disable`, { token: admin });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.disabled, true);

    assert.equal((await passwordLogin(u)).status, 400, 'the password grant refuses a disabled user');
    const refresh = await gh.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body.error, 'invalid_grant');
    for (const token of [u.token, login.body.access_token, login.body.id_token, app]) assert.equal(await me(token), 401);
    assert.equal(await active(login.body.access_token), false, 'introspection says inactive');
    assert.equal(await active(app), false, 'the app token is revoked at verifiers too');

    const members = await call(gh, 'GET', `/api/v1/projects/${project.body.id}/members`, { token: admin });
    assert.equal(members.status, 200);
    assert.ok(members.body.some((m: { id: string }) => m.id === u.id), 'the membership is kept');

    const enabled = await call(gh, 'POST', `/api/v1/users/${u.id}/enable`, { token: admin });
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.disabled, false);
    assert.equal(await me(app), 401, 'the old app token stays ended');
    assert.equal(await me(login.body.access_token), 401, 'the old access token stays ended');
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token })).status, 400, 'the old refresh token stays ended');
    // A token minted in the disable's own second is covered by it; one second later logins work again.
    assert.ok(await within(3000, async () => {
      const again = await passwordLogin(u);
      return again.status === 200 && (await me(again.body.access_token)) === 200;
    }), 'enable restores logins');

    const events = await call(gh, 'GET', '/api/v1/audit-events?type=user.disabled', { token: admin });
    assert.equal(events.status, 200, events.text);
    const adminId = (await call(gh, 'GET', '/api/v1/users/me', { token: admin })).body.id as string;
    assert.ok(JSON.stringify(events.body).includes(adminId) && JSON.stringify(events.body).includes(u.id), `audited with the administrator as actor: ${events.text.slice(0, 400)}`);
  });

  test('delete ends everything and removes memberships; a last owner cannot be deleted', async () => {
    const owner = await newUser(gh, 'owner');
    const project = await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'owned' } });
    assert.equal(project.status, 201);
    assertError(await call(gh, 'DELETE', `/api/v1/users/${owner.id}`, { token: admin }), 409, /last owner/);
    assert.equal(await me(owner.token), 200, 'a refused delete ends nothing');

    const leaver = await newUser(gh, 'deleted');
    const added = await call(gh, 'POST', `/api/v1/projects/${project.body.id}/members`, { token: owner.token, body: { email: leaver.email, role: 'owner' } });
    assert.equal(added.status, 201, added.text);
    const login = await passwordLogin(leaver);
    const app = await appToken(leaver.token);
    const deleted = await call(gh, 'DELETE', `/api/v1/users/${leaver.id}`, { token: admin });
    assert.equal(deleted.status, 204, deleted.text);
    for (const token of [leaver.token, login.body.access_token, login.body.id_token, app]) assert.equal(await me(token), 401);
    assert.equal(await active(login.body.access_token), false);
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token })).status, 400);
    assert.equal((await passwordLogin(leaver)).status, 400);
    const members = await call(gh, 'GET', `/api/v1/projects/${project.body.id}/members`, { token: owner.token });
    assert.ok(!members.body.some((m: { id: string }) => m.id === leaver.id), 'the membership is removed');
    assertError(await call(gh, 'DELETE', `/api/v1/users/${leaver.id}`, { token: admin }), 404);
  });

  test('end sessions (issue 15 item 5): an administrator or the user ends refresh tokens, access, ID and app tokens; others get 403', async () => {
    for (const who of ['admin', 'self'] as const) {
      const u = await newUser(gh, `ended-${who}`);
      const login = await passwordLogin(u);
      const app = await appToken(u.token);
      const other = await newUser(gh, 'bystander');
      assertError(await call(gh, 'POST', `/api/v1/users/${u.id}/sessions/end`, { token: other.token }), 403);
      const ended = await call(gh, 'POST', who === 'admin' ? `/api/v1/users/${u.id}/sessions/end` : '/api/v1/users/me/sessions/end', { token: who === 'admin' ? admin : u.token });
      assert.equal(ended.status, 200, ended.text);
      assert.ok(ended.body.refresh_tokens_revoked >= 1 && ended.body.app_tokens_revoked === 1, ended.text);
      for (const token of [u.token, login.body.access_token, login.body.id_token, app]) assert.equal(await me(token), 401);
      assert.equal(await active(login.body.access_token), false);
      assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token })).status, 400);
      assert.equal(await me(other.token), 200, 'nobody else is touched');
      assert.ok(await within(3000, async () => (await me((await passwordLogin(u)).body.access_token)) === 200), 'the user logs in again');
    }
  });

  test('only administrators offboard; nobody offboards themselves', async () => {
    const a = await newUser(gh, 'plain');
    const b = await newUser(gh, 'target');
    for (const [method, path] of [['POST', `/api/v1/users/${b.id}/disable`], ['POST', `/api/v1/users/${b.id}/enable`], ['DELETE', `/api/v1/users/${b.id}`]] as const) {
      assertError(await call(gh, method, path, { token: a.token }), 403);
      assertError(await call(gh, method, path), 401);
    }
    assert.equal(await me(b.token), 200);
    const self = (await call(gh, 'GET', '/api/v1/users/me', { token: admin })).body.id as string;
    assertError(await call(gh, 'POST', `/api/v1/users/${self}/disable`, { token: admin }), 400);
    assertError(await call(gh, 'POST', '/api/v1/users/nope/disable', { token: admin }), 404);
  });
});
