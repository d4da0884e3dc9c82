// A real client written elsewhere: openid-client (certified, by panva) against Gatehouse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';

describe('openid-client interop', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let config: oidc.Configuration;
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'oidc-client' });
    const api = await gh.createApi({ identifier: 'https://api.example', scopes: ['read', 'write'] });
    await gh.grant(api.id, bot.id, ['read']);
    config = await oidc.discovery(new URL(gh.url), bot.client_id, bot.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  after(() => gh.stop());

  test('discovery reads the issuer metadata', () => {
    const m = config.serverMetadata();
    assert.equal(m.issuer, gh.url);
    assert.equal(m.token_endpoint, `${gh.url}/oauth/token`);
  });

  test('client credentials grant with an audience', async () => {
    const t = await oidc.clientCredentialsGrant(config, { audience: 'https://api.example', scope: 'read' });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    assert.equal(t.scope, 'read');
    assert.ok(t.expiresIn()! > 86000);
  });

  test('password login (generic grant), refresh with rotation, introspection, revocation', async () => {
    const login = await oidc.genericGrantRequest(config, 'password', { username: bot.email, password: bot.password });
    assert.ok(login.refresh_token);
    const refreshed = await oidc.refreshTokenGrant(config, login.refresh_token!);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.refresh_token, login.refresh_token);
    const intro = await oidc.tokenIntrospection(config, refreshed.access_token);
    assert.equal(intro.active, true);
    assert.equal(intro.sub, `bot|${bot.id}`);
    await oidc.tokenRevocation(config, refreshed.access_token);
    const after = await oidc.tokenIntrospection(config, refreshed.access_token);
    assert.equal(after.active, false);
    await assert.rejects(oidc.refreshTokenGrant(config, login.refresh_token!), (err: any) => err.error === 'invalid_grant');
  });
});
