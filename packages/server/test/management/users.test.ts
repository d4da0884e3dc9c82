// Users over real HTTP: the admin creates users; sign-up only when turned on (never as admin); /me; changing a
// password revokes the user's refresh tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, newUser } from './http.ts';

describe('users', () => {
  let gh: Gatehouse;
  let admin: string;

  before(async () => {
    gh = await startGatehouse();
    admin = await gh.adminToken();
  });
  after(() => gh.stop());

  test('an administrator creates a user, who can log in; the password is in no response or log', async () => {
    const password = 'a long enough password';
    const r = await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'New.User@Example.com', password, name: 'New User' } });
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body).sort(), ['admin', 'created_at', 'disabled', 'email', 'email_verified', 'id', 'name', 'updated_at']);
    assert.equal(r.body.email, 'new.user@example.com');
    assert.equal(r.body.admin, false);
    const login = await gh.token({ grant_type: 'password', username: 'new.user@example.com', password });
    assert.equal(login.status, 200);
    assert.ok(!gh.logs().includes(password));
    assertError(await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'new.user@example.com', password } }), 409, /already exists/);
  });

  test('without sign-up, only administrators create users', async () => {
    const u = await newUser(gh, 'plain');
    assertError(await call(gh, 'POST', '/api/v1/users', { token: u.token, body: { email: 'x@example.com', password: 'long enough pw' } }), 403, /sign-up is off/);
    assertError(await call(gh, 'POST', '/api/v1/users', { body: { email: 'x@example.com', password: 'long enough pw' } }), 401, /sign-up is off/);
    const r = await gh.token({ grant_type: 'password', username: 'x@example.com', password: 'long enough pw' });
    assert.equal(r.status, 400, 'the user was not created');
  });

  test('bad input: short passwords, bad emails, unknown fields, wrong types', async () => {
    assertError(await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'a@b.c', password: 'short' } }), 400, /"password" must be at least 8 characters/);
    assertError(await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'no-at-sign', password: 'long enough pw' } }), 400, /"email" is not an email address/);
    assertError(await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'a@b.c', password: 'long enough pw', role: 'admin' } }), 400, /unknown field "role"/);
    assertError(await call(gh, 'POST', '/api/v1/users', { token: admin, body: { email: 'a@b.c', password: 'long enough pw', admin: 'yes' } }), 400, /"admin" must be a boolean/);
  });

  test('/me describes the caller; a bot is not a user', async () => {
    const u = await newUser(gh, 'me');
    const me = await call(gh, 'GET', '/api/v1/users/me', { token: u.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, u.id);
    assert.ok(!/password/.test(me.text));
    const projectId = (await call(gh, 'POST', '/api/v1/projects', { token: u.token, body: { name: 'p' } })).body.id;
    const bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: u.token, body: { name: 'b' } })).body;
    assertError(await call(gh, 'GET', '/api/v1/users/me', { token: await botToken(gh, bot) }), 403, /bots are not users/);
  });

  test('changing the password needs the current one and revokes refresh tokens', async () => {
    const u = await newUser(gh, 'changer');
    const session = await gh.token({ grant_type: 'password', username: u.email, password: u.password });
    assertError(await call(gh, 'POST', '/api/v1/users/me/password', { token: u.token, body: { current_password: 'wrong', new_password: 'another long one' } }), 400, /current password is wrong/);
    assertError(await call(gh, 'POST', '/api/v1/users/me/password', { token: u.token, body: { current_password: u.password, new_password: 'short' } }), 400, /at least 8/);
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: session.body.refresh_token })).status, 200, 'refused changes revoke nothing');

    const session2 = await gh.token({ grant_type: 'password', username: u.email, password: u.password });
    const ok = await call(gh, 'POST', '/api/v1/users/me/password', { token: u.token, body: { current_password: u.password, new_password: 'another long one' } });
    assert.equal(ok.status, 204);
    const refreshed = await gh.token({ grant_type: 'refresh_token', refresh_token: session2.body.refresh_token });
    assert.equal(refreshed.status, 400);
    // Issue 15 item 5: earlier access tokens end too (those issued with a refresh token, revoked by jti).
    assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: session2.body.access_token })).status, 401, 'an earlier access token ends with the password');
    assert.equal(refreshed.body.error, 'invalid_grant');
    assert.equal((await gh.token({ grant_type: 'password', username: u.email, password: u.password })).status, 400);
    assert.equal((await gh.token({ grant_type: 'password', username: u.email, password: 'another long one' })).status, 200);
  });

  test('with GATEHOUSE_SIGNUP=true anyone may sign up, but never as an administrator', async () => {
    const open = await startGatehouse({ env: { GATEHOUSE_SIGNUP: 'true' } });
    try {
      const r = await call(open, 'POST', '/api/v1/users', { body: { email: 'self@example.com', password: 'self service pw' } });
      assert.equal(r.status, 201);
      assert.equal(r.body.admin, false);
      assertError(await call(open, 'POST', '/api/v1/users', { body: { email: 'root@example.com', password: 'self service pw', admin: true } }), 403, /Only administrators may create administrators/);
      assert.equal((await open.token({ grant_type: 'password', username: 'root@example.com', password: 'self service pw' })).status, 400);
    } finally {
      await open.stop();
    }
  });
});
