// docs/authorization.md's worked example, step by step: an API team owns https://dataloy; a partner project gets
// cargo:read; the partner's bot gets a token; a user in the partner project gets cargo:read through the viewer
// role; ending the partnership ends the bot's access at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, call, newUser } from '../management/http.ts';

describe('the worked example of docs/authorization.md', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh?.stop());

  test('an API team, a partner project, its bot and its viewer', async () => {
    const ada = await newUser(gh, 'ada');
    const pat = await newUser(gh, 'pat');
    const vic = await newUser(gh, 'vic');
    const team = await gh.api('POST', '/api/v1/projects', { name: 'dataloy' }, ada.token);
    const api = await gh.api(
      'POST',
      '/api/v1/apis',
      {
        identifier: 'https://dataloy',
        scopes: ['cargo:read', 'cargo:write'],
        project_id: team.id,
        role_scopes: { owner: ['cargo:read', 'cargo:write'], developer: ['cargo:read', 'cargo:write'], viewer: ['cargo:read'] },
      },
      ada.token,
    );
    const partner = await gh.api('POST', '/api/v1/projects', { name: 'partner' }, pat.token);
    await gh.api('PUT', `/api/v1/apis/${api.id}/access/${partner.id}`, { scopes: ['cargo:read'] }, ada.token);

    const bot = await gh.api('POST', `/api/v1/projects/${partner.id}/bots`, { name: 'cargo-sync' }, pat.token);
    assertError(await call(gh, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { token: pat.token, body: { scopes: ['cargo:write'] } }), 403, /outside/);
    await gh.api('PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, { scopes: ['cargo:read'] }, pat.token);
    const cc = () => gh.token({ client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://dataloy', grant_type: 'client_credentials' }, { json: true });
    const token = await cc();
    assert.deepEqual(Object.keys(token.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(token.body.scope, 'cargo:read');

    await gh.api('POST', `/api/v1/projects/${partner.id}/members`, { email: vic.email, role: 'viewer' }, pat.token);
    const login = (u: { email: string; password: string }) => gh.token({ grant_type: 'password', username: u.email, password: u.password, audience: 'https://dataloy' });
    assert.equal((await login(vic)).body.scope, 'openid profile email offline_access cargo:read');
    assert.equal((await login(pat)).body.scope, 'openid profile email offline_access cargo:read', 'the owner mapping, capped by the access');
    assert.equal((await login(ada)).body.scope, 'openid profile email offline_access cargo:read cargo:write');
    assert.equal((await login(gh.admin)).body.error, 'access_denied');

    await gh.api('DELETE', `/api/v1/apis/${api.id}/access/${partner.id}`, undefined, ada.token);
    assert.equal((await cc()).body.error, 'access_denied');
    assert.equal((await login(vic)).body.error, 'access_denied');
  });
});
