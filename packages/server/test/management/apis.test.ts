// APIs (audiences) and grants over real HTTP: administrators register and change APIs; project owners grant
// their bots scopes within an API's scopes; everything else is refused with the one error shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, botToken, call, newUser } from './http.ts';

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
    bot = (await call(gh, 'POST', `/api/v1/projects/${projectId}/bots`, { token: owner.token, body: { name: 'cargo' } })).body;
  });
  after(() => gh.stop());

  test('an administrator registers, reads, lists, changes and deletes an API', async () => {
    const c = await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://dataloy', name: 'Dataloy', scopes: ['cargo:read', 'cargo:write'], token_lifetime: 3600, signing_alg: 'EdDSA' } });
    assert.equal(c.status, 201);
    assert.deepEqual(
      { ...c.body, id: undefined, created_at: undefined, updated_at: undefined },
      { id: undefined, identifier: 'https://dataloy', name: 'Dataloy', scopes: ['cargo:read', 'cargo:write'], token_lifetime: 3600, signing_alg: 'EdDSA', reuse_tokens: false, created_at: undefined, updated_at: undefined },
    );
    assert.deepEqual((await call(gh, 'GET', `/api/v1/apis/${c.body.id}`, { token: admin })).body, c.body);
    assert.ok((await call(gh, 'GET', '/api/v1/apis', { token: owner.token })).body.some((a: any) => a.id === c.body.id), 'any signed-in caller may list APIs');

    const p = await call(gh, 'PATCH', `/api/v1/apis/${c.body.id}`, { token: admin, body: { scopes: ['cargo:read'], token_lifetime: 600 } });
    assert.equal(p.status, 200);
    assert.deepEqual([p.body.scopes, p.body.token_lifetime, p.body.name], [['cargo:read'], 600, 'Dataloy']);

    // The new per-API algorithm has a key in JWKS, and a token for the API is signed with it.
    const jwks = await (await fetch(`${gh.url}/.well-known/jwks.json`)).json();
    assert.ok(jwks.keys.some((k: any) => k.alg === 'EdDSA'));
    await gh.grant(c.body.id, bot.id, ['cargo:read']);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy' });
    assert.equal(t.status, 200);
    assert.equal(t.body.expires_in, 600);
    assert.equal(JSON.parse(Buffer.from(t.body.access_token.split('.')[0], 'base64url').toString()).alg, 'EdDSA');

    assert.equal((await call(gh, 'DELETE', `/api/v1/apis/${c.body.id}`, { token: admin })).status, 204);
    assertError(await call(gh, 'GET', `/api/v1/apis/${c.body.id}`, { token: admin }), 404, /API not found/);
    const gone = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy' });
    assert.equal(gone.body.error, 'invalid_target');
  });

  test('only administrators register, change or delete APIs', async () => {
    const a = (await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://admin-only', scopes: ['x'] } })).body;
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: owner.token, body: { identifier: 'https://mine' } }), 403, /administrators/);
    assertError(await call(gh, 'PATCH', `/api/v1/apis/${a.id}`, { token: owner.token, body: { name: 'mine' } }), 403);
    assertError(await call(gh, 'DELETE', `/api/v1/apis/${a.id}`, { token: owner.token }), 403);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: await botToken(gh, bot), body: { identifier: 'https://bot' } }), 403);
    assert.equal((await call(gh, 'GET', `/api/v1/apis/${a.id}`, { token: admin })).body.name, 'https://admin-only');
  });

  test('bad input: collisions, the management audience, unknown algorithms, bad scopes, lifetimes', async () => {
    await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://taken' } });
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://taken' } }), 409, /already exists/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'gatehouse' } }), 409, /management API's own audience/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', signing_alg: 'HS256' } }), 400, /"signing_alg" must be one of ES256, EdDSA, RS256, PS256/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['has space'] } }), 400, /"scopes.0" is not a valid scope/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', scopes: ['a', 'a'] } }), 400, /must not repeat/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', token_lifetime: 5 } }), 400, /at least 30/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', token_lifetime: 1.5 } }), 400, /integer/);
    assertError(await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://x', audience: 'y' } }), 400, /unknown field "audience"/);
    assertError(await call(gh, 'PATCH', '/api/v1/apis/no-such-api', { token: admin, body: { name: 'n' } }), 404);
    assertError(await call(gh, 'PATCH', '/api/v1/apis/bad.id', { token: admin, body: { name: 'n' } }), 400, /"apiId" is not a valid id/);
    assert.ok(!(await call(gh, 'GET', '/api/v1/apis', { token: admin })).body.some((a: any) => a.identifier === 'https://x'), 'nothing half-written');
  });

  test('project owners grant their bots scopes within the API\'s scopes, and revoke them', async () => {
    const api = (await call(gh, 'POST', '/api/v1/apis', { token: admin, body: { identifier: 'https://grants', scopes: ['read', 'write'] } })).body;
    const put = await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token, body: { scopes: ['read'] } });
    assert.equal(put.status, 200);
    assert.deepEqual([put.body.api_id, put.body.bot_id, put.body.scopes], [api.id, bot.id, ['read']]);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://grants' });
    assert.equal(t.body.scope, 'read');

    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: owner.token, body: { scopes: ['admin'] } }), 400, /not defined by the API: admin/);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: dev.token, body: { scopes: ['write'] } }), 403, /owner/);
    const outsider = await newUser(gh, 'outsider');
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: outsider.token, body: { scopes: ['write'] } }), 404);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: await botToken(gh, bot), body: { scopes: ['write'] } }), 403, /Bots cannot grant/);
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
});
