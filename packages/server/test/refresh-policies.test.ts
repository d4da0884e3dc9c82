// Refresh-token policies per client (strict, grace, off) and the seed clients' real wire behaviour: dtlpy renewing
// at POST /token?default with its ORIGINAL refresh token, NOMAD logging in with POST /api/v1/auth/token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

const json = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function dataloopLogin(gh: Gatehouse, username: string, password: string) {
  const r = await json(`${gh.url}/token?default`, { username, password, type: 'user_credentials' });
  assert.equal(r.status, 200);
  return r.json();
}

const dataloopRenew = (gh: Gatehouse, refresh_token: string) => json(`${gh.url}/token?default`, { type: 'refresh_token', refresh_token });

async function userWithProject(gh: Gatehouse, email: string) {
  const user = { email, password: `${email} password` };
  await gh.createUser(user);
  const s = await gh.token({ grant_type: 'password', username: user.email, password: user.password });
  const project = await gh.api('POST', '/api/v1/projects', { name: `project of ${email}` }, s.body.access_token);
  return { ...user, projectId: project.id as string };
}

describe('a default server: the seed clients as they really behave', () => {
  let gh: Gatehouse;
  before(async () => (gh = await startGatehouse()));
  after(() => gh.stop());

  test("dtlpy's transcript: login, then three renewals presenting the ORIGINAL refresh token, each id_token used on GET /api/v1/projects/{id}", async () => {
    const u = await userWithProject(gh, 'dtlpy@example.com');
    const login = await dataloopLogin(gh, u.email, u.password);
    assert.ok(login.access_token && login.id_token && login.refresh_token);
    const original: string = login.refresh_token;
    const seen = new Set<string>([login.id_token]);
    for (let i = 1; i <= 3; i++) {
      const r = await dataloopRenew(gh, original);
      const body = await r.json();
      assert.equal(r.status, 200, `renewal ${i}: ${JSON.stringify(body)}`);
      assert.deepEqual(Object.keys(body).sort(), Object.keys(login).sort(), 'the same response shape as the login');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(body.refresh_token, original, 'rotation is off for the Dataloop client: the token does not change');
      // A fresh id_token, issued at this renewal. (Within one second it may equal the previous one byte for byte:
      // RS256, the ID tokens' algorithm since issue 17, is a deterministic signature over the same claims.)
      const id = decode(body.id_token).payload;
      assert.ok(id.iat >= decode(login.id_token).payload.iat, 'issued at the renewal');
      seen.add(body.id_token);
      assert.equal(id.aud, 'gatehouse-dataloop', "the ID token is the Dataloop client's");
      assert.equal(id.exp - id.iat, 86400);
      const project = await fetch(`${gh.url}/api/v1/projects/${u.projectId}`, { headers: { authorization: `Bearer ${body.id_token}` } });
      assert.equal(project.status, 200, `renewal ${i}: the new id_token is a bearer token on the API`);
      assert.equal((await project.json()).id, u.projectId);
    }
  });

  test('the Dataloop route: unknown types, missing tokens, and tokens of /oauth/token are refused with OAuth errors', async () => {
    const bad = await json(`${gh.url}/token?default`, { type: 'client_credentials' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, 'unsupported_grant_type');
    const missing = await json(`${gh.url}/token?default`, { type: 'refresh_token' });
    assert.equal((await missing.json()).error, 'invalid_request');
    const u = { email: 'crossing@example.com', password: 'crossing password' };
    await gh.createUser(u);
    const other = await gh.token({ grant_type: 'password', username: u.email, password: u.password });
    const crossed = await dataloopRenew(gh, other.body.refresh_token);
    assert.equal((await crossed.json()).error, 'invalid_grant', "a refresh token of /oauth/token's client is not the Dataloop client's");
    const dl = await dataloopLogin(gh, u.email, u.password);
    const back = await gh.token({ grant_type: 'refresh_token', refresh_token: dl.refresh_token });
    assert.equal(back.body.error, 'invalid_grant', 'nor the other way round');
  });

  test('rotation off still ends on revocation and on a password change', async () => {
    const u = { email: 'ending@example.com', password: 'ending password one' };
    await gh.createUser(u);
    const revoked = (await dataloopLogin(gh, u.email, u.password)).refresh_token;
    const rv = await fetch(`${gh.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: revoked }) });
    assert.equal(rv.status, 200);
    assert.equal((await (await dataloopRenew(gh, revoked)).json()).error, 'invalid_grant', 'revoked');
    const login = await dataloopLogin(gh, u.email, u.password);
    assert.equal((await dataloopRenew(gh, login.refresh_token)).status, 200);
    await gh.api('POST', '/api/v1/users/me/password', { current_password: u.password, new_password: 'ending password two' }, login.access_token);
    assert.equal((await (await dataloopRenew(gh, login.refresh_token)).json()).error, 'invalid_grant', 'the password changed');
  });

  test("NOMAD's POST /api/v1/auth/token with a form or a JSON body answers as the GET does; the GET is marked deprecated", async () => {
    const u = { email: 'nomad@example.com', password: 'nomad pass & ?=#%+' };
    await gh.createUser(u);
    const form = await fetch(`${gh.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(u.email ? { username: u.email, password: u.password } : {}) });
    const viaJson = await json(`${gh.url}/api/v1/auth/token`, { username: u.email, password: u.password });
    const get = await fetch(`${gh.url}/api/v1/auth/token?${new URLSearchParams({ username: u.email, password: u.password })}`);
    const bodies = [await form.json(), await viaJson.json(), await get.json()];
    for (const [i, r] of [form, viaJson, get].entries()) {
      assert.equal(r.status, 200, JSON.stringify(bodies[i]));
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(bodies[i]).sort(), Object.keys(bodies[2]).sort());
      assert.equal(decode(bodies[i].access_token).payload.sub, decode(bodies[2].access_token).payload.sub);
    }
    assert.equal(form.headers.get('deprecation'), null, 'the POST is not deprecated');
    assert.match(get.headers.get('deprecation') ?? '', /^@\d+$/, 'RFC 9745 Deprecation on the GET');
    assert.match(get.headers.get('link') ?? '', /^<\/api\/v1\/auth\/token>; rel="successor-version"/);
    const wrong = await fetch(`${gh.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: u.email, password: 'wrong' }) });
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).error, 'invalid_grant');
    const empty = await fetch(`${gh.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal((await empty.json()).error, 'invalid_request');
  });
});

describe('grace rotation on /oauth/token, strict rotation for the Dataloop client', () => {
  let gh: Gatehouse;
  const user = { email: 'racer@example.com', password: 'racing racing racing' };
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_REFRESH_ROTATION: 'grace', GATEHOUSE_REFRESH_GRACE_SECONDS: '60', GATEHOUSE_DATALOOP_REFRESH_ROTATION: 'strict' } });
    await gh.createUser(user);
  });
  after(() => gh.stop());

  test('a racing client (five parallel refreshes with one token) keeps its session', async () => {
    const rt = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body.refresh_token;
    const results = await Promise.all(Array.from({ length: 5 }, () => gh.token({ grant_type: 'refresh_token', refresh_token: rt })));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
    const successors = new Set(results.map((r) => r.body.refresh_token as string));
    assert.equal(successors.size, 5, 'each answer carries its own successor');
    // Whichever answer the client kept, its session goes on.
    for (const next of successors) assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: next })).status, 200);
    const audit = await gh.api('GET', '/api/v1/audit-events?type=refresh.reuse');
    assert.equal(audit.events.length, 0, 'no reuse was detected');
  });

  test('grace still ends on revocation', async () => {
    const rt = (await gh.token({ grant_type: 'password', username: user.email, password: user.password })).body.refresh_token;
    const next = (await gh.token({ grant_type: 'refresh_token', refresh_token: rt })).body.refresh_token;
    await fetch(`${gh.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: next }) });
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: rt })).body.error, 'invalid_grant', 'the spent token within its window too');
    assert.equal((await gh.token({ grant_type: 'refresh_token', refresh_token: next })).body.error, 'invalid_grant');
  });

  test('the Dataloop client set to strict: the original token presented a second time ends the family', async () => {
    const login = await dataloopLogin(gh, user.email, user.password);
    const first = await dataloopRenew(gh, login.refresh_token);
    assert.equal(first.status, 200);
    const rotated = (await first.json()).refresh_token;
    assert.notEqual(rotated, login.refresh_token);
    assert.equal((await (await dataloopRenew(gh, login.refresh_token)).json()).error, 'invalid_grant');
    assert.equal((await (await dataloopRenew(gh, rotated)).json()).error, 'invalid_grant', 'the family ended');
  });
});
