// APIs (audiences), access lists, role mappings and grants over real HTTP: an API belongs to a project (its owners
// change it) or to the installation (administrators); its owners give other projects access to some of its
// scopes; bots get scopes by grants within that, users by the role mapping; everything else is refused with the
// one error shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, login, newUser } from './http.ts';

describe('apis and grants', () => {
  let gh: Gatehouse;
  let admin: string;
  let owner: Awaited<ReturnType<typeof newUser>>;
  let dev: Awaited<ReturnType<typeof newUser>>;
  let projectId: string;
  let bot: any;

  before(async () => {
    gh = await startGatehouse();
    admin = await gh.adminToken();
    owner = await newUser(gh, 'owner');
    dev = await newUser(gh, 'dev');
    projectId = (await call(gh, 'POST', '/api/v1/projects', { token: owner.token, body: { name: 'shipping' } })).body.id;
    await call(gh, 'POST', `/api/v1/projects/${projectId}/members`, { token: owner.token, body: { email: dev.email, role: 'developer' } });
    dev.token = await login(gh, dev.email, dev.password); // the invitation becomes a membership at sign-in
    bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'cargo' } })).body;
  });
  after(() => gh.stop());

  test('an administrator registers, reads, lists, changes and deletes a global API', async () => {
    const c = await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://dataloy', name: 'Dataloy', scopes: ['cargo:read', 'cargo:write'], token_lifetime: 3600, signing_alg: 'EdDSA' } });
    assert.equal(c.status, 201);
    assert.deepEqual(
      { ...c.body, id: undefined, created_at: undefined, updated_at: undefined },
      {
        id: undefined,
        identifier: 'https://dataloy',
        name: 'Dataloy',
        scopes: ['cargo:read', 'cargo:write'],
        token_lifetime: 3600,
        signing_alg: 'EdDSA',
        reuse_tokens: false,
        project_id: null,
        listed: false,
        role_scopes: { owner: [], developer: [], viewer: [] },
        user_scopes: [],
        created_at: undefined,
        updated_at: undefined,
      },
    );
    assert.deepEqual((await call(gh, 'GET', `/api/v1/apis/${c.body.id}`, { token: admin })).body, c.body);
    assert.ok(!(await call(gh, 'GET', '/api/v1/apis', { token: owner.token })).body.some((a: any) => a.id === c.body.id), 'an unlisted global API is not listed to others');
    assertError(await call(gh, 'GET', `/api/v1/apis/${c.body.id}`, { token: owner.token }), 404, /API not found/);

    const p = await call(gh, 'PATCH', `/api/v1/apis/${c.body.id}`, { token: admin, body: { scopes: ['cargo:read'], token_lifetime: 600, listed: true } });
    assert.equal(p.status, 200);
    assert.deepEqual([p.body.scopes, p.body.token_lifetime, p.body.name, p.body.listed], [['cargo:read'], 600, 'Dataloy', true]);
    assert.ok((await call(gh, 'GET', '/api/v1/apis', { token: owner.token })).body.some((a: any) => a.id === c.body.id), 'a listed API is listed to every signed-in user');

    // The new per-API algorithm has a key in JWKS, and a token for the API is signed with it.
    const jwks = await (await fetch(`${gh.url}/.well-known/jwks.json`)).json();
    assert.ok(jwks.keys.some((k: any) => k.alg === 'EdDSA'));
    await gh.access(c.body.id, projectId, ['cargo:read']);
    await gh.api('PUT', `/api/v1/apis/${c.body.id}/grants/${bot.id}`, { scopes: ['cargo:read'] }, owner.token);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy' });
    assert.equal(t.status, 200);
    assert.equal(t.body.expires_in, 600);
    assert.equal(JSON.parse(Buffer.from(t.body.access_token.split('.')[0], 'base64url').toString()).alg, 'EdDSA');

    assert.equal((await call(gh, 'DELETE', `/api/v1/apis/${c.body.id}`, { token: admin })).status, 204);
    assertError(await call(gh, 'GET', `/api/v1/apis/${c.body.id}`, { token: admin }), 404, /API not found/);
    const gone = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy' });
    assert.equal(gone.body.error, 'invalid_target');
  });

  test("a project's owners register and change the APIs it owns; administrators the global ones", async () => {
    const mine = await call(gh, 'POST', '/api/v1/apis', { token: owner.token, body: { identifier: 'https://mine', scopes: ['x'], project_id: projectId } });
    assert.equal(mine.status, 201);
    assert.equal(mine.body.project_id, projectId);
    assert.equal((await call(gh, 'PATCH', `/api/v1/apis/${mine.body.id}`, { token: owner.token, body: { name: 'mine' } })).body.name, 'mine');
    assertError(await call(gh, 'PATCH', `/api/v1/apis/${mine.body.id}`, { token: dev.token, body: { name: 'dev' } }), 403, /owner role in the project that owns it/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'PATCH', `/api/v1/apis/${mine.body.id}`, { token: outsider.token, body: { name: 'x' } }), 404, /API not found/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: outsider.token, body: { identifier: 'https://theirs', project_id: projectId } }), 404, /Project not found/);
    assertError(await call(gh, 'PATCH', `/api/v1/apis/${mine.body.id}`, { token: admin, body: { name: 'admin' } }), 403, /owner role/);

    const a = (await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://admin-only', scopes: ['x'] } })).body;
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: owner.token, body: { identifier: 'https://global' } }), 403, /administrators/);
    assertError(await call(gh, 'PATCH', `/api/v1/apis/${a.id}`, { token: owner.token, body: { name: 'mine' } }), 404);
    assertError(await call(gh, 'DELETE', `/api/v1/apis/${a.id}`, { token: owner.token }), 404);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: await botToken(gh, bot), body: { identifier: 'https://bot' } }), 403, /apis:write/);
    assert.equal((await call(gh, 'GET', `/api/v1/apis/${a.id}`, { token: admin })).body.name, 'https://admin-only');
  });

  test('bad input: collisions, the management audience, unknown algorithms, bad scopes, lifetimes, role mappings', async () => {
    await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://taken' } });
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://taken' } }), 409, /already exists/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'gatehouse' } }), 409, /management API's own audience/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', signing_alg: 'HS256' } }), 400, /"signing_alg" must be one of ES256, EdDSA, RS256, PS256/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['has space'] } }), 400, /"scopes.0" is not a valid scope/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['a', 'a'] } }), 400, /must not repeat/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', token_lifetime: 5 } }), 400, /at least 30/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', token_lifetime: 1.5 } }), 400, /integer/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', audience: 'y' } }), 400, /unknown field "audience"/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['a'], role_scopes: { viewer: ['b'] } } }), 400, /not defined by the API: b/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['a'], role_scopes: { admin: ['a'] } } }), 400, /unknown field/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['a'], user_scopes: ['c'] } }), 400, /not defined by the API: c/);
    assertError(await call(gh, 'PATCH', '/api/v1/apis/no-such-api', { token: admin, body: { name: 'n' } }), 404);
    assertError(await call(gh, 'PATCH', '/api/v1/apis/bad.id', { token: admin, body: { name: 'n' } }), 400, /"apiId" is not a valid id/);
    assert.ok(!(await call(gh, 'GET', '/api/v1/apis', { token: admin })).body.some((a: any) => a.identifier === 'https://x'), 'nothing half-written');
  });

  test("owners grant their bots scopes of their project's API; developers only to bots they created and within what they hold", async () => {
    const api = (await call(gh, 'POST', '/api/v1/apis', { token: owner.token, body: { identifier: 'https://grants', scopes: ['read', 'write'], project_id: projectId, role_scopes: { developer: ['read'] } } })).body;
    const put = await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token, body: { scopes: ['read'] } });
    assert.equal(put.status, 200);
    assert.deepEqual([put.body.api_id, put.body.bot_id, put.body.scopes], [api.id, bot.id, ['read']]);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://grants' });
    assert.equal(t.body.scope, 'read');

    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token, body: { scopes: ['admin'] } }), 400, /not defined by the API: admin/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: dev.token, body: { scopes: ['read'] } }), 403, /only the bots they created/);
    const devBot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: dev.token, body: { name: 'devs' } })).body;
    assert.equal((await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${devBot.id}`, { token: dev.token, body: { scopes: ['read'] } })).status, 200);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${devBot.id}`, { token: dev.token, body: { scopes: ['write'] } }), 403, /do not hold themselves: write/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: outsider.token, body: { scopes: ['write'] } }), 404, /Bot not found/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: await botToken(gh, bot), body: { scopes: ['write'] } }), 403);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token, body: { scopes: 'read' } }), 400, /"scopes" must be an array/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/no-such-api/grants/${bot.id}`, { token: owner.token, body: { scopes: [] } }), 404, /API not found/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/no-such-bot`, { token: owner.token, body: { scopes: [] } }), 404, /Bot not found/);

    const again = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://grants' });
    assert.equal(again.body.scope, 'read', 'refused changes left the grant as it was');

    assert.equal((await call(gh, 'DELETE', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token })).status, 204);
    assertError(await call(gh, 'DELETE', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token }), 404, /Grant not found/);
    const denied = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://grants' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error, 'access_denied');
  });

  test("an API's owners give another project access; its bots and members get scopes within it, and lose them with it", async () => {
    const api = (await call(gh, 'POST', '/api/v1/apis', { token: owner.token, body: { identifier: 'https://shared', scopes: ['cargo:read', 'cargo:write'], project_id: projectId, role_scopes: { viewer: ['cargo:read', 'cargo:write'] } } })).body;
    const partner = await newUser(gh, 'partner');
    const pp = (await call(gh, 'POST', '/api/v1/projects', { token: partner.token, body: { name: 'partner' } })).body;
    const pbot = (await call(gh, 'POST', `/api/v1/projects/${pp.id}/bots`, { token: partner.token, body: { name: 'pbot' } })).body;
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${pbot.id}`, { token: partner.token, body: { scopes: ['cargo:read'] } }), 404, /API not found/);

    const put = await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token, body: { scopes: ['cargo:read'] } });
    assert.equal(put.status, 200);
    assert.deepEqual([put.body.project_id, put.body.scopes], [pp.id, ['cargo:read']]);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: partner.token, body: { scopes: ['cargo:write'] } }), 403, /owner role/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token, body: { scopes: ['nope'] } }), 400, /not defined/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${projectId}`, { token: owner.token, body: { scopes: [] } }), 400, /owns the API/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/no-such-project`, { token: owner.token, body: { scopes: [] } }), 404, /Project not found/);
    assert.deepEqual((await call(gh, 'GET', `/api/v1/apis/${api.id}/access`, { token: owner.token })).body.map((e: any) => e.project_id), [pp.id]);
    assertError(await call(gh, 'GET', `/api/v1/apis/${api.id}/access`, { token: partner.token }), 403);
    assert.ok((await call(gh, 'GET', '/api/v1/apis', { token: partner.token })).body.some((a: any) => a.id === api.id), 'the partner now sees the API');

    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${pbot.id}`, { token: partner.token, body: { scopes: ['cargo:write'] } }), 403, /outside the bot's project's access/);
    assert.equal((await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${pbot.id}`, { token: partner.token, body: { scopes: ['cargo:read'] } })).status, 200);
    const cc = () => gh.token({ grant_type: 'client_credentials', client_id: pbot.client_id, client_secret: pbot.client_secret, audience: 'https://shared' });
    assert.equal((await cc()).body.scope, 'cargo:read');
    // The partner's owner is an owner there, and the API maps the owner role to nothing.
    const asOwner = await gh.token({ grant_type: 'password', username: partner.email, password: partner.password, audience: 'https://shared' });
    assert.equal(asOwner.body.error, 'access_denied');

    // Narrowing the entry narrows the grant at once; removing it ends the grant.
    await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token, body: { scopes: [] } });
    const narrowed = await cc();
    assert.equal(narrowed.status, 200);
    assert.equal(narrowed.body.scope, undefined);
    assert.equal((await call(gh, 'DELETE', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token })).status, 204);
    assert.equal((await cc()).body.error, 'access_denied');
    assertError(await call(gh, 'DELETE', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token }), 404, /Access entry not found/);
    assertError(await call(gh, 'GET', `/api/v1/apis/${api.id}`, { token: partner.token }), 404, /API not found/);
  });

  test('users get scopes through the role mapping (capped by access) and the every-user scopes, never by default', async () => {
    const api = (await call(gh, 'POST', '/api/v1/apis', {
      token: owner.token,
      body: { identifier: 'https://roles', scopes: ['read', 'write', 'upload'], project_id: projectId, role_scopes: { owner: ['read', 'write'], developer: ['read'], viewer: ['read'] }, user_scopes: ['upload'] },
    })).body;
    const scopeOf = async (email: string, password: string) => (await gh.token({ grant_type: 'password', username: email, password, audience: 'https://roles' })).body.scope as string;
    assert.equal(await scopeOf(owner.email, owner.password), 'openid profile email offline_access upload read write');
    assert.equal(await scopeOf(dev.email, dev.password), 'openid profile email offline_access upload read');
    const stranger = await newUser(gh, 'stranger');
    assert.equal(await scopeOf(stranger.email, stranger.password), 'openid profile email offline_access upload');
    await call(gh, 'PATCH', `/api/v1/apis/${api.id}`, { token: owner.token, body: { user_scopes: [] } });
    assert.equal((await gh.token({ grant_type: 'password', username: stranger.email, password: stranger.password, audience: 'https://roles' })).body.error, 'access_denied');
    assert.equal((await gh.token({ grant_type: 'password', username: gh.admin.email, password: gh.admin.password, audience: 'https://roles' })).body.error, 'access_denied', 'administrators get nothing for being administrators');
    // A partner project's viewer: the viewer mapping, capped by the partner's access.
    const partner = await newUser(gh, 'partner2');
    const pp = (await call(gh, 'POST', '/api/v1/projects', { token: partner.token, body: { name: 'partner2' } })).body;
    await call(gh, 'POST', `/api/v1/projects/${pp.id}/members`, { token: partner.token, body: { email: stranger.email, role: 'viewer' } });
    await call(gh, 'PUT', `/api/v1/apis/${api.id}/access/${pp.id}`, { token: owner.token, body: { scopes: ['read'] } });
    assert.equal(await scopeOf(stranger.email, stranger.password), 'openid profile email offline_access read');
  });
});
