// requests-oauthlib and authlib, Debian's python3 packages (installed by .ci/run), run by /usr/bin/python3 — not
// whichever python3 is first on PATH, which may lack them — against a real Gatehouse, through discovery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { API, type InteropFixture, interopFixture } from './fixture.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/clients.py', import.meta.url));

function missing(): string | false {
  try {
    execFileSync(PYTHON, ['-c', 'import requests_oauthlib, authlib'], { stdio: 'ignore' });
    return false;
  } catch {
    return `${PYTHON} lacks requests-oauthlib or authlib (apt-get install python3-requests-oauthlib python3-authlib; .ci/run does)`;
  }
}

describe('interop: requests-oauthlib and authlib (Python)', { skip: missing() }, () => {
  let f: InteropFixture;
  let out: Record<string, Record<string, any>>;
  before(async () => {
    f = await interopFixture();
    const cfg = { issuer: f.gh.url, api: API, bot: f.bot, user: f.user };
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, JSON.stringify(cfg)], { timeout: 60_000 });
    out = JSON.parse(stdout);
  });
  after(() => f.gh.stop());

  test('requests-oauthlib: client credentials, password (public client as Basic "gatehouse-public:"), refresh, userinfo, revocation', () => {
    const r = out.requests_oauthlib!;
    assert.equal(r.cc_token_type, 'Bearer');
    assert.equal(r.cc_access_verified_sub, `bot|${f.bot.id}`);
    assert.equal(r.id_token_email, f.user.email);
    assert.equal(r.refresh_rotated, true);
    assert.equal(r.userinfo_email, f.user.email);
    assert.equal(r.introspect_token_type, 'Bearer');
    assert.equal(r.revoke_status, 200);
    assert.deepEqual(r.revoke_json, {});
    assert.equal(r.after_revoke_active, false, 'revoking the refresh token ended its access tokens');
  });

  test('authlib: client credentials, bot password login, introspection, revocation, public-client login, refresh, userinfo', () => {
    const a = out.authlib!;
    assert.equal(a.cc_token_type, 'Bearer');
    assert.equal(a.cc_access_verified_sub, `bot|${f.bot.id}`);
    assert.equal(a.bot_id_token_sub, `bot|${f.bot.id}`);
    assert.equal(a.introspect.active, true);
    assert.equal(a.introspect.token_type, 'Bearer');
    assert.equal(a.revoke_status, 200);
    assert.equal(a.after_revoke_active, false);
    assert.equal(a.id_token_email, f.user.email);
    assert.equal(a.refresh_rotated, true);
    assert.equal(a.userinfo_email, f.user.email);
  });
});
