// Refresh tokens: rotation on every use, reuse detection revoking the family, binding to client and audience,
// and five parallel uses of one token (exactly one wins).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

describe('refresh_token grant', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  const user = { email: 'arthur@example.com', password: 'towel towel towel' };
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'refresher' });
    await gh.createUser(user);
  });
  after(() => gh.stop());

  const login = async (init?: { basic?: [string, string] }, extra: Record<string, string> = {}) => {
    const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password, ...extra }, init);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  test('each use rotates the token; the chain keeps working across many refreshes', async () => {
    let rt = (await login()).refresh_token as string;
    const seen = new Set([rt]);
    for (let i = 0; i < 20; i++) {
      const r = await gh.token({ grant_type: 'refresh_token', refresh_token: rt });
      assert.equal(r.status, 200);
      assert.ok(r.body.access_token && r.body.id_token);
      assert.ok(!seen.has(r.body.refresh_token), 'a new refresh token every time');
      seen.add(r.body.refresh_token);
      rt = r.body.refresh_token;
    }
  });

  test('reuse of a spent token revokes the whole family', async () => {
    const first = (await login()).refresh_token;
    const second = (await gh.token({ grant_type: 'refresh_token', refresh_token: first })).body.refresh_token;
    const reuse = await gh.token({ grant_type: 'refresh_token', refresh_token: first });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    const afterReuse = await gh.token({ grant_type: 'refresh_token', refresh_token: second });
    assert.equal(afterReuse.body.error, 'invalid_grant', 'the live token of the family is revoked too');
    const audit = await gh.api('GET', '/api/v1/audit-events?type=refresh.reuse');
    assert.equal(audit.events.length, 1, 'the reuse is in the audit log');
  });

  test('five parallel refreshes with one token: exactly one wins, the others get invalid_grant, no 5xx', async () => {
    const rt = (await login()).refresh_token;
    const results = await Promise.all(Array.from({ length: 5 }, () => gh.token({ grant_type: 'refresh_token', refresh_token: rt })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400, 400, 400, 400]);
    for (const r of results.filter((x) => x.status === 400)) assert.equal(r.body.error, 'invalid_grant');
  });

  test('a refresh token is bound to its client and to its audience; scope only narrows', async () => {
    const asPublic = (await login()).refresh_token;
    const stolen = await gh.token({ grant_type: 'refresh_token', refresh_token: asPublic }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(stolen.body.error, 'invalid_grant');
    const botLogin = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password }, { basic: [bot.client_id, bot.client_secret] });
    const withoutClient = await gh.token({ grant_type: 'refresh_token', refresh_token: botLogin.body.refresh_token });
    assert.equal(withoutClient.body.error, 'invalid_grant', 'a confidential client token cannot be used without the client');
    const own = await gh.token({ grant_type: 'refresh_token', refresh_token: botLogin.body.refresh_token }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(own.status, 200);
    const rt = (await login()).refresh_token;
    const otherAud = await gh.token({ grant_type: 'refresh_token', refresh_token: rt, audience: 'https://elsewhere' });
    assert.equal(otherAud.body.error, 'invalid_grant');
    const narrow = await gh.token({ grant_type: 'refresh_token', refresh_token: rt, scope: 'openid email' });
    assert.equal(narrow.status, 200);
    assert.equal(decode(narrow.body.access_token).payload.scope, 'openid email');
    const wider = await gh.token({ grant_type: 'refresh_token', refresh_token: narrow.body.refresh_token, scope: 'openid admin' });
    assert.equal(wider.body.error, 'invalid_scope');
  });

  test('garbage, unknown and missing refresh tokens are invalid_grant / invalid_request, never 5xx', async () => {
    for (const refresh_token of ['nope', 'ghr_' + 'A'.repeat(43), 'ghr_' + 'x'.repeat(500), '\u0000\u0001']) {
      const r = await gh.token({ grant_type: 'refresh_token', refresh_token });
      assert.equal(r.status, 400);
      // A NUL is refused by the parameter reader before any grant sees it (security/strings.ts).
      assert.equal(r.body.error, refresh_token.includes('\u0000') ? 'invalid_request' : 'invalid_grant');
    }
    const missing = await gh.token({ grant_type: 'refresh_token' });
    assert.equal(missing.body.error, 'invalid_request');
  });

  test('changing the password revokes the user\'s refresh tokens', async () => {
    const u = { email: 'ford@example.com', password: 'first password here' };
    await gh.createUser(u);
    const s = await gh.token({ grant_type: 'password', username: u.email, password: u.password });
    await gh.api('POST', '/api/v1/users/me/password', { current_password: u.password, new_password: 'second password here' }, s.body.access_token);
    const r = await gh.token({ grant_type: 'refresh_token', refresh_token: s.body.refresh_token });
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('deleting a bot ends its refresh tokens', async () => {
    const b = await gh.createBot({ name: 'doomed' });
    const s = await gh.token({ grant_type: 'password', username: b.email, password: b.password });
    await gh.api('DELETE', `/api/v1/projects/${b.project_id}/bots/${b.id}`);
    const r = await gh.token({ grant_type: 'refresh_token', refresh_token: s.body.refresh_token });
    assert.equal(r.body.error, 'invalid_grant');
  });
});
