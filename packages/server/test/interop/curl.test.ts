// curl, as the README's tour and people's scripts use it, through discovery: form bodies, -u for client_secret_basic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { API, type InteropFixture, interopFixture } from './fixture.ts';

const run = promisify(execFile);

/** curl -s --fail-with-body, the response body parsed as JSON and the status code. */
async function curl(args: string[]): Promise<{ status: number; body: any }> {
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args], { timeout: 20_000 });
  const i = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, i);
  return { status: Number(stdout.slice(i + 1)), body: text ? JSON.parse(text) : undefined };
}

describe('interop: curl', () => {
  let f: InteropFixture;
  let meta: Record<string, string>;
  let basic: string;
  before(async () => {
    f = await interopFixture();
    meta = (await curl([`${f.gh.url}/.well-known/openid-configuration`])).body;
    basic = `${f.bot.client_id}:${f.bot.client_secret}`;
  });
  after(() => f.gh.stop());

  test('client credentials (-u, form) and introspection', async () => {
    const t = await curl(['-u', basic, '-d', 'grant_type=client_credentials', '-d', `audience=${API}`, meta.token_endpoint!]);
    assert.equal(t.status, 200);
    assert.equal(t.body.token_type, 'Bearer');
    const i = await curl(['-u', basic, '-d', `token=${t.body.access_token}`, meta.introspection_endpoint!]);
    assert.equal(i.body.active, true);
    assert.equal(i.body.token_type, 'Bearer');
  });

  test('password, refresh, userinfo, revocation; GET on the token endpoint is 405', async () => {
    const login = await curl(['-d', 'grant_type=password', '--data-urlencode', `username=${f.user.email}`, '--data-urlencode', `password=${f.user.password}`, meta.token_endpoint!]);
    assert.equal(login.status, 200);
    const refreshed = await curl(['-d', 'grant_type=refresh_token', '-d', `refresh_token=${login.body.refresh_token}`, meta.token_endpoint!]);
    assert.equal(refreshed.status, 200);
    const me = await curl(['-H', `Authorization: Bearer ${refreshed.body.access_token}`, meta.userinfo_endpoint!]);
    assert.equal(me.body.email, f.user.email);
    const rv = await curl(['-d', `token=${refreshed.body.refresh_token}`, meta.revocation_endpoint!]);
    assert.equal(rv.status, 200);
    assert.deepEqual(rv.body, {});
    const after = await curl(['-H', `Authorization: Bearer ${refreshed.body.access_token}`, meta.userinfo_endpoint!]);
    assert.equal(after.status, 401, 'the grant ended with its refresh token');
    const get = await curl([meta.token_endpoint!]);
    assert.equal(get.status, 405);
    assert.equal(get.body.error, 'invalid_request');
  });
});
