// Token endpoint hygiene (RFC 6749, RFC 9700): the password grant switched off globally and per account,
// ambiguous requests refused (duplicate parameters in forms and JSON, two client authentications, two
// Authorization headers), Basic credentials decoded per RFC 6749 Appendix B and refused when malformed,
// content types and body sizes, refresh lifetimes (idle and absolute), and the entropy of every generated secret.
// What token-endpoint.test.ts and refresh.test.ts already cover is not repeated here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { parseBasic } from '../../src/oauth/client-auth.ts';
import { PREFIX, generateSecret } from '../../src/crypto/secrets.ts';
import { generatePassword } from '../../src/crypto/passwords.ts';
import { newJti } from '../../src/domain/tokens.ts';
import { loadServerKeys } from '../../src/crypto/master-key.ts';
import { duplicateTopLevelKey } from '../../src/security/request-guards.ts';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type RawReply, basic, formHeaders, postForm, send } from './http.ts';

function assertOAuthError(r: RawReply, status: number, error: string): void {
  assert.equal(r.status, status, `expected ${status} ${error}, got ${r.status} ${r.text}`);
  assert.equal(r.body?.error, error, r.text);
  assert.equal(typeof r.body.error_description, 'string');
}

describe('password grant switched off for the whole server', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  before(async () => {
    // The bot is made by the offline CLI on the data dir, so this server keeps its store there (SQLite).
    gh = await startGatehouse({ store: 'sqlite', env: { GATEHOUSE_PASSWORD_GRANT: 'false' } });
    bot = await createBotOffline(gh);
  });
  after(() => gh.stop());

  test('every way in answers unsupported_grant_type; client_credentials still works', async () => {
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: gh.admin.email, password: gh.admin.password }), 400, 'unsupported_grant_type');
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: 'nobody@example.com', password: 'x' }), 400, 'unsupported_grant_type');
    const dataloop = await send(gh.url, { method: 'POST', path: '/token?default', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: gh.admin.email, password: gh.admin.password, type: 'user_credentials' }) });
    assertOAuthError(dataloop, 400, 'unsupported_grant_type');
    const nomad = await send(gh.url, { path: `/api/v1/auth/token?${new URLSearchParams({ username: gh.admin.email, password: gh.admin.password })}` });
    assertOAuthError(nomad, 400, 'unsupported_grant_type');
    const cc = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: basic(bot.client_id, bot.client_secret) } });
    assert.equal(cc.status, 200);
    const discovery = (await send(gh.url, { path: '/.well-known/openid-configuration' })).body;
    assert.deepEqual(discovery.grant_types_supported, ['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange'], 'discovery does not offer it');
  });
});

/** A bot created with the CLI on the store (`--data-dir`): with the password grant off nobody can log in to the API. */
async function createBotOffline(gh: Gatehouse): Promise<BotCredentials> {
  const bin = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
  const env = { ...process.env, GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString('hex') };
  const cli = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [bin, ...args, '--data-dir', gh.dataDir, '--json'], { env, encoding: 'utf8' }));
  const project = cli('projects', 'create', 'offline', '--owner', gh.admin.email);
  return cli('bots', 'create', 'offline-bot', '--project', project.id);
}

describe('token endpoint hygiene', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let user: { id: string; email: string; password: string };
  before(async () => {
    // One test reads the refresh-token rows from the SQLite file.
    gh = await startGatehouse({ store: 'sqlite', env: { GATEHOUSE_REFRESH_IDLE_SECONDS: '120', GATEHOUSE_REFRESH_ABSOLUTE_SECONDS: '300' } });
    bot = await gh.createBot({ name: 'hygienic' });
    // A user-chosen password with every character RFC 6749 Appendix B and form encoding care about.
    const password = 'p:a+s%20s w\u00f6rd&=\u2713?#';
    const u = await gh.createUser({ email: 'arthur.dent@example.com', password });
    user = { id: u.id, email: u.email, password };
  });
  after(() => gh.stop());

  const pw = (extra: Record<string, string> = {}) => postForm(gh.url, { grant_type: 'password', username: user.email, password: user.password, ...extra });

  test('a password with ":", "+", "%", "&", "=" and non-ASCII characters works as a form, as JSON and in the NOMAD query', async () => {
    assert.equal((await pw()).status, 200);
    const json = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'password', username: user.email, password: user.password }) });
    assert.equal(json.status, 200);
    const nomad = await send(gh.url, { path: `/api/v1/auth/token?${new URLSearchParams({ username: user.email, password: user.password })}` });
    assert.equal(nomad.status, 200);
    // Sent without encoding "+" (a classic client bug), the password is a different one.
    const raw = `grant_type=password&username=${encodeURIComponent(user.email)}&password=${user.password.replace('%20', '%2520').replace(/[&=?#\u00f6\u2713]/g, encodeURIComponent)}`;
    assertOAuthError(await send(gh.url, { method: 'POST', path: '/oauth/token', headers: formHeaders(), body: raw }), 400, 'invalid_grant');
  });

  test('Basic credentials are form-decoded (RFC 6749 Appendix B) before comparison', async () => {
    assert.deepEqual(parseBasic('Basic ' + Buffer.from('a%3Ab%40c.d:p%3Aw%2Bd%25+x%C3%B6%E2%9C%93').toString('base64')), { id: 'a:b@c.d', secret: 'p:w+d% x\u00f6\u2713' });
    assert.deepEqual(parseBasic('basic ' + Buffer.from('id:se:cret').toString('base64')), { id: 'id', secret: 'se:cret' }, 'the first colon splits');
    // The client id is an email: "@" must be accepted both encoded (as the RFC says) and raw (as most clients send it).
    const encoded = 'Basic ' + Buffer.from(`${encodeURIComponent(bot.client_id)}:${encodeURIComponent(bot.client_secret)}`).toString('base64');
    assert.ok(encoded.length > 0 && encodeURIComponent(bot.client_id).includes('%40'));
    const raw = 'Basic ' + Buffer.from(`${bot.client_id}:${bot.client_secret}`).toString('base64');
    const overEncoded = 'Basic ' + Buffer.from(`${bot.client_id.replace(/[a-z]/g, (c) => '%' + c.charCodeAt(0).toString(16))}:${bot.client_secret}`).toString('base64');
    for (const authorization of [encoded, raw, overEncoded]) {
      const r = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization } });
      assert.equal(r.status, 200, r.text);
    }
    // A "+" in the encoded secret is a space, so the same secret with a "+" appended does not match.
    const plus = 'Basic ' + Buffer.from(`${bot.client_id}:${bot.client_secret}+`).toString('base64');
    assertOAuthError(await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: plus } }), 401, 'invalid_client');
  });

  test('malformed Basic headers are invalid_request (400), never a 5xx', async () => {
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    const bad = [
      'Basic',
      'Basic ',
      'Basic !!!',
      'Basic ' + b64('no-colon-here'),
      'Basic ' + b64('bad%zzid:secret'),
      'Basic ' + b64('id:bad%E0%A4%Asecret'),
      'Basic ' + b64(Buffer.from([0x69, 0x64, 0x3a, 0xff, 0xfe])),
      'Basic ' + b64('id:secret') + ' extra',
      'Basic ' + b64('id:secret') + '===',
    ];
    for (const authorization of bad) {
      const r = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization } });
      assert.ok(r.status === 400 || r.status === 401, `${authorization}: ${r.status}`);
      assert.ok(['invalid_request', 'invalid_client'].includes(r.body.error), `${authorization}: ${r.text}`);
      if (authorization !== 'Basic' && authorization !== 'Basic ') assertOAuthError(r, 400, 'invalid_request');
    }
  });

  test('two client authentications, or two Authorization headers, are refused', async () => {
    const auth = basic(bot.client_id, bot.client_secret);
    const mismatch = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse', client_id: 'someone-else@example.com' }, { headers: { authorization: auth } });
    assertOAuthError(mismatch, 400, 'invalid_request');
    const same = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse', client_id: bot.client_id }, { headers: { authorization: auth } });
    assert.equal(same.status, 200, 'client_id repeating the Basic identity is allowed (RFC 6749 §3.2.1)');
    const twoHeaders = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { ...formHeaders(), authorization: [auth, basic('other@example.com', 'x')] }, body: 'grant_type=client_credentials&audience=gatehouse' });
    assertOAuthError(twoHeaders, 400, 'invalid_request');
    const admin = await gh.adminToken();
    const bearerAndPost = await postForm(gh.url, { token: admin, client_id: bot.client_id, client_secret: bot.client_secret }, { path: '/oauth/introspect', headers: { authorization: `Bearer ${admin}` } });
    assertOAuthError(bearerAndPost, 400, 'invalid_request');
    const mgmt = await send(gh.url, { path: '/api/v1/users/me', headers: { authorization: [`Bearer ${admin}`, 'Bearer other'] } });
    assert.equal(mgmt.status, 400);
    assert.equal(mgmt.body.statusCode, 400, 'the management API answers in its own shape');
  });

  test('duplicate parameters: in forms, in JSON bodies, and across the NOMAD query string', async () => {
    const form = `grant_type=password&grant_type=client_credentials&username=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`;
    assertOAuthError(await send(gh.url, { method: 'POST', path: '/oauth/token', headers: formHeaders(), body: form }), 400, 'invalid_request');
    const json = `{"grant_type":"client_credentials","client_id":${JSON.stringify(bot.client_id)},"client_secret":${JSON.stringify(bot.client_secret)},"audience":"gatehouse","audience":"https://elsewhere"}`;
    const r = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: json });
    assertOAuthError(r, 400, 'invalid_request');
    assert.match(r.body.error_description, /audience/);
    const escaped = `{"grant_type":"password","grant_\\u0074ype":"password","username":"a","password":"b"}`;
    assertOAuthError(await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: escaped }), 400, 'invalid_request');
    const nomad = await send(gh.url, { path: `/api/v1/auth/token?username=${encodeURIComponent(user.email)}&password=x&password=${encodeURIComponent(user.password)}` });
    assertOAuthError(nomad, 400, 'invalid_request');
    const mgmt = await send(gh.url, { method: 'POST', path: '/api/v1/projects', headers: { authorization: `Bearer ${await gh.adminToken()}`, 'content-type': 'application/json' }, body: '{"name":"a","name":"b"}' });
    assert.equal(mgmt.status, 400);
    assert.match(mgmt.body.message, /name/);
    assert.equal(duplicateTopLevelKey('{"x":{"a":1,"a":2},"y":[{"b":1},{"b":2}],"z":"\\"a\\":1,\\"a\\""}'), undefined, 'nested repeats are not parameters');
    assert.equal(duplicateTopLevelKey(' {"a":[1,{"c":2}],"b":{"a":1},"a":3}'), 'a');
    assert.equal(duplicateTopLevelKey('["a","a"]'), undefined);
    const proto = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"password","__proto__":{"admin":true}}' });
    assertOAuthError(proto, 400, 'invalid_request');
  });

  test('content types other than form and JSON are refused with 415; so are bodies without a content type', async () => {
    const body = `grant_type=password&username=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`;
    for (const type of ['multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/x-www-form-urlencoded-evil', 'application/jsonx']) {
      const r = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': type }, body });
      assertOAuthError(r, 415, 'invalid_request');
    }
    const none = await send(gh.url, { method: 'POST', path: '/oauth/token', body });
    assert.ok(none.status === 415 || none.status === 400, `no content type: ${none.status}`);
    assert.equal(none.body.error, 'invalid_request');
    const withCharset = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body });
    assert.equal(withCharset.status, 200);
  });

  test('bodies over 16 KiB are refused with 413 at every OAuth endpoint, chunked or not', async () => {
    const big = 'token=' + 'a'.repeat(17 * 1024);
    for (const p of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      const r = await send(gh.url, { method: 'POST', path: p, headers: formHeaders(), body: big });
      assertOAuthError(r, 413, 'invalid_request');
    }
    const json = await send(gh.url, { method: 'POST', path: '/token?default', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'a', password: 'b'.repeat(17 * 1024) }) });
    assertOAuthError(json, 413, 'invalid_request');
    const chunked = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: { ...formHeaders(), 'transfer-encoding': 'chunked' }, body: big });
    assertOAuthError(chunked, 413, 'invalid_request');
    const justUnder = await send(gh.url, { method: 'POST', path: '/oauth/token', headers: formHeaders(), body: 'grant_type=refresh_token&refresh_token=ghr_x&pad=' + 'a'.repeat(4000) });
    assertOAuthError(justUnder, 400, 'invalid_grant');
  });

  test('password grant off for one bot: client_credentials still works; a wrong secret still says invalid_grant', async () => {
    const b = await gh.createBot({ name: 'm2m-only' });
    const off = await gh.api('PUT', `/api/v1/projects/${b.project_id}/bots/${b.id}/password-grant`, { enabled: false });
    assert.deepEqual(off, { id: b.id, password_grant: false });
    assert.equal((await gh.api('GET', `/api/v1/projects/${b.project_id}/bots/${b.id}`)).password_grant, false);
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: b.email, password: b.password }), 400, 'unauthorized_client');
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: b.email, password: 'ghb_wrong' }), 400, 'invalid_grant');
    const cc = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { headers: { authorization: basic(b.client_id, b.client_secret) } });
    assert.equal(cc.status, 200);
    await gh.api('PUT', `/api/v1/projects/${b.project_id}/bots/${b.id}/password-grant`, { enabled: true });
    assert.equal((await postForm(gh.url, { grant_type: 'password', username: b.email, password: b.password })).status, 200);
  });

  test('password grant off for one user (administrators only)', async () => {
    const u = { email: 'fenchurch@example.com', password: 'so long and thanks' };
    const created = await gh.createUser(u);
    const userToken = (await postForm(gh.url, { grant_type: 'password', ...{ username: u.email, password: u.password } })).body.access_token;
    const path = `/api/v1/users/${created.id}/password-grant`;
    const put = (body: unknown, token?: string) => send(gh.url, { method: 'PUT', path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await put({ enabled: false }, userToken)).status, 403, 'not for the user themself');
    const admin = await gh.adminToken();
    const bad = await put({ enabled: 'no' }, admin);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /enabled/);
    assert.equal((await send(gh.url, { method: 'PUT', path: '/api/v1/users/nobody/password-grant', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"enabled":false}' })).status, 404);
    assert.deepEqual((await put({ enabled: false }, admin)).body, { id: created.id, password_grant: false });
    assertOAuthError(await postForm(gh.url, { grant_type: 'password', username: u.email, password: u.password }), 400, 'unauthorized_client');
    await put({ enabled: true }, admin);
    assert.equal((await postForm(gh.url, { grant_type: 'password', username: u.email, password: u.password })).status, 200);
  });

  test('refresh tokens live GATEHOUSE_REFRESH_IDLE_SECONDS unused and never past GATEHOUSE_REFRESH_ABSOLUTE_SECONDS', async () => {
    const db = new DatabaseSync(path.join(gh.dataDir, 'gatehouse.db'), { timeout: 5000 });
    const introspect = async (token: string) => (await postForm(gh.url, { token }, { path: '/oauth/introspect', headers: { authorization: `Bearer ${await gh.adminToken()}` } })).body;
    const newest = () => db.prepare('SELECT id, created_at, expires_at, family_expires_at FROM refresh_tokens ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { id: string; created_at: number; expires_at: number; family_expires_at: number };
    try {
      const login = (await pw()).body;
      const row = newest();
      assert.ok(Math.abs(row.expires_at - row.created_at - 120_000) < 1000, 'idle lifetime');
      assert.ok(Math.abs(row.family_expires_at - row.created_at - 300_000) < 1000, 'absolute lifetime');
      const live = await introspect(login.refresh_token);
      assert.equal(live.active, true);
      assert.equal(live.exp - live.iat, 120);

      // Idle: unused past its expiry, the token is dead at the token endpoint and at introspection.
      db.prepare('UPDATE refresh_tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, row.id);
      assertOAuthError(await postForm(gh.url, { grant_type: 'refresh_token', refresh_token: login.refresh_token }), 400, 'invalid_grant');
      assert.deepEqual(await introspect(login.refresh_token), { active: false });

      // Absolute: a rotation never extends the family; past the family's end nothing in it works.
      const second = (await pw()).body;
      const r2 = newest();
      db.prepare('UPDATE refresh_tokens SET family_expires_at = ? WHERE id = ?').run(Date.now() + 90_000, r2.id);
      const rotated = await postForm(gh.url, { grant_type: 'refresh_token', refresh_token: second.refresh_token });
      assert.equal(rotated.status, 200);
      const r3 = newest();
      assert.ok(r3.expires_at <= r3.family_expires_at && r3.family_expires_at - Date.now() <= 90_000, 'capped by the family end, not now + idle');
      db.prepare('UPDATE refresh_tokens SET family_expires_at = ? WHERE id = ?').run(Date.now() - 1000, r3.id);
      assertOAuthError(await postForm(gh.url, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token }), 400, 'invalid_grant');
      assert.deepEqual(await introspect(rotated.body.refresh_token), { active: false });
    } finally {
      db.close();
    }
  });

  test('refresh lifetimes below 60 s are refused at start-up', () => {
    for (const name of ['GATEHOUSE_REFRESH_IDLE_SECONDS', 'GATEHOUSE_REFRESH_ABSOLUTE_SECONDS']) {
      assert.throws(() => loadConfig([], { [name]: '59' }), (e: unknown) => e instanceof ConfigError && /at least 60/.test(e.message));
      assert.equal(loadConfig([], { [name]: '60' })[name === 'GATEHOUSE_REFRESH_IDLE_SECONDS' ? 'refreshTokenIdleSeconds' : 'refreshTokenAbsoluteSeconds'], 60);
    }
  });

  test('every generated secret has at least 128 bits of entropy, from the CSPRNG', async () => {
    const b64url = (bits: number) => new RegExp(`^[A-Za-z0-9_-]{${Math.ceil(bits / 6)}}$`);
    const secrets = Array.from({ length: 2000 }, () => generateSecret(PREFIX.bot));
    assert.equal(new Set(secrets).size, secrets.length);
    for (const s of secrets.slice(0, 50)) assert.match(s.slice(4), b64url(256), 'bot secrets and refresh tokens: 256 bits');
    assert.match(generatePassword(), b64url(144), 'generated admin passwords: 144 bits');
    assert.match(newJti(), b64url(128), 'jti: 128 bits');
    assert.match(bot.client_secret, /^ghb_[A-Za-z0-9_-]{43}$/);
    assert.match((await pw()).body.refresh_token, /^ghr_[A-Za-z0-9_-]{43}$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-key-'));
    assert.equal(loadServerKeys(undefined, dir).generated, true);
    assert.equal(Buffer.from(fs.readFileSync(path.join(dir, 'secret.key'), 'utf8').trim(), 'base64url').length, 32, 'a generated server key is 256 bits');
    fs.rmSync(dir, { recursive: true, force: true });
    // No secret comes from Math.random anywhere in the server.
    const src = new URL('../../src/', import.meta.url);
    const files = fs.readdirSync(src, { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.ts'));
    for (const f of files) assert.doesNotMatch(fs.readFileSync(path.join(f.parentPath, f.name), 'utf8'), /Math\.random\(/, f.name);
  });
});
