// No secret in any error body, audit event or metric: a session that creates every kind of secret Gatehouse
// hands out (bot secrets, rotated secrets, passwords, access, ID, refresh and app tokens) and misuses them in
// plausible ways (wrong slots, wrong endpoints, brute force, reuse), collecting every non-2xx body, then the whole
// audit log (as the admin), /metrics and the server log, and searching all of it for each secret.
// test/logs.test.ts does the same for the log alone on the happy paths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type RawReply, type RawRequest, basic, postForm, send } from './http.ts';

describe('secrets in error bodies, audit events and metrics', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_LOG_LEVEL: 'debug', GATEHOUSE_BRUTE_FORCE_THRESHOLD: '3' } });
  });
  after(() => gh.stop());

  test('a session of flows and misuses leaves none of its secrets anywhere but in the responses that hand them out', async () => {
    const secrets = new Set<string>([gh.admin.password]);
    const keep = (...xs: (string | undefined)[]) => xs.forEach((x) => x && secrets.add(x));
    const errorBodies: string[] = [];
    const call = async (r: RawRequest): Promise<RawReply> => {
      const res = await send(gh.url, r);
      assert.ok(res.status < 500, `${r.method ?? 'GET'} ${r.path}: ${res.status} ${res.text}`);
      if (res.status >= 300) errorBodies.push(res.text);
      return res;
    };
    const form = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
      call({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });
    const json = (method: string, path: string, body: unknown, token?: string) =>
      call({ method, path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

    const admin = await gh.adminToken();
    keep(admin);
    const project = await gh.createProject('leaks');
    const bot = (await json('POST', `/api/v1/projects/${project.id}/bots`, { name: 'leaky' }, admin)).body;
    keep(bot.client_secret);
    const api = await gh.createApi({ identifier: 'https://leaks.example', scopes: ['read'] });
    await gh.access(api.id, project.id, ['read']);
    await gh.grant(api.id, bot.id, ['read']);
    const user = { email: 'leak@example.com', password: 'a password nobody may see 1' };
    await gh.createUser(user);
    const victim = { email: 'victim@example.com', password: 'a victim password nobody may see' };
    await gh.createUser(victim);
    keep(user.password, victim.password);

    // Happy paths, each handing out secrets.
    const cc = await form('/oauth/token', { grant_type: 'client_credentials', audience: 'https://leaks.example' }, { authorization: basic(bot.client_id, bot.client_secret) });
    keep(cc.body.access_token);
    const login = await form('/oauth/token', { grant_type: 'password', username: user.email, password: user.password });
    keep(login.body.access_token, login.body.id_token, login.body.refresh_token);
    const refreshed = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    keep(refreshed.body.access_token, refreshed.body.id_token, refreshed.body.refresh_token);
    const botLogin = await form('/oauth/token', { grant_type: 'password', username: bot.email, password: bot.client_secret }, { authorization: basic(bot.client_id, bot.client_secret) });
    keep(botLogin.body.access_token, botLogin.body.refresh_token, botLogin.body.id_token);
    const app1 = await json('POST', '/api/v1/app-tokens', { name: 'ci', expires_in: 600 }, login.body.access_token);
    keep(app1.body.token);
    const app2 = await call({ path: '/api/v1/auth/app_token?expires_in=600', headers: { authorization: `Bearer ${refreshed.body.access_token}` } });
    keep(app2.body.access_token);
    const rotated = await json('POST', `/api/v1/projects/${project.id}/bots/${bot.id}/rotate-secret`, { grace_seconds: 60 }, admin);
    keep(rotated.body.client_secret);
    const nomad = await call({ path: `/api/v1/auth/token?${new URLSearchParams({ username: user.email, password: user.password })}` });
    keep(nomad.body.access_token, nomad.body.refresh_token);
    const dataloop = await json('POST', '/token?default', { username: bot.email, password: rotated.body.client_secret, type: 'user_credentials' });
    keep(dataloop.body.access_token, dataloop.body.id_token, dataloop.body.refresh_token);

    // Misuses: secrets in the wrong slots and at the wrong endpoints, reuse, brute force, hostile headers.
    const misuses: RawRequest[] = [];
    const f = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
      misuses.push({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });
    f('/oauth/token', { grant_type: 'refresh_token', refresh_token: login.body.refresh_token }); // reuse: family revoked
    f('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
    f('/oauth/token', { grant_type: 'refresh_token', refresh_token: cc.body.access_token });
    f('/oauth/token', { grant_type: 'refresh_token', refresh_token: login.body.id_token });
    f('/oauth/token', { grant_type: 'client_credentials', audience: 'https://leaks.example', client_id: bot.client_id, client_secret: login.body.refresh_token });
    f('/oauth/token', { grant_type: 'client_credentials', audience: 'https://leaks.example' }, { authorization: basic(bot.client_id, cc.body.access_token) });
    f('/oauth/token', { grant_type: 'client_credentials', audience: 'https://leaks.example', client_id: bot.client_id, client_secret: bot.client_secret }, { authorization: basic(bot.client_id, rotated.body.client_secret) });
    f('/oauth/token', { grant_type: 'password', username: user.email, password: `${user.password}-wrong-1` });
    for (let i = 0; i < 3; i++) f('/oauth/token', { grant_type: 'password', username: victim.email, password: `${victim.password}-guess-${i}` });
    f('/oauth/token', { grant_type: 'password', username: victim.email, password: victim.password }); // now 429
    f('/oauth/introspect', { token: login.body.refresh_token });
    f('/oauth/introspect', { token: cc.body.access_token, client_id: bot.client_id, client_secret: `${bot.client_secret}x` });
    f('/oauth/revoke', { token: app1.body.token, token_type_hint: 'weird' });
    f('/oauth/revoke', { token: cc.body.access_token }, { authorization: `Basic ${Buffer.from(`${bot.client_id}:${bot.client_secret}`).toString('base64')}x` });
    misuses.push({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: `{"grant_type":"password","username":${JSON.stringify(user.email)},"password":${JSON.stringify(user.password)},"password":"x"}` });
    misuses.push({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/json' }, body: `{"grant_type":"password","username":"x","password":${JSON.stringify(user.password)}` });
    misuses.push({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'text/plain' }, body: `password=${user.password}` });
    misuses.push({ method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: [basic(bot.client_id, bot.client_secret), `Bearer ${admin}`] }, body: 'grant_type=client_credentials' });
    misuses.push({ path: `/api/v1/auth/token?username=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}&password=again` });
    // ';' as a separator: Fastify reads one parameter (username = "x;password=..."), other layers read two.
    misuses.push({ path: `/api/v1/auth/token?username=x;password=${encodeURIComponent(user.password)}` });
    misuses.push({ path: `/api/v1/auth/token?password=;token=${encodeURIComponent(victim.password)}` });
    // Credentials in the wrong field: a password as the username, a bot secret or a token as client_id.
    f('/oauth/token', { grant_type: 'password', username: victim.password, password: 'x' });
    f('/oauth/token', { grant_type: 'client_credentials', audience: 'https://leaks.example', client_id: bot.client_secret, client_secret: 'x' });
    f('/oauth/introspect', { token: 'x', client_id: admin, client_secret: 'x' });
    misuses.push({ path: `/api/v1/projects?access_token=${admin}&token=${bot.client_secret}` });
    misuses.push({ path: '/api/v1/users/me', headers: { authorization: `Bearer ${login.body.refresh_token}` } });
    misuses.push({ path: '/api/v1/users/me', headers: { authorization: `Basic ${Buffer.from(`${bot.client_id}:${bot.client_secret}`).toString('base64')}` } });
    misuses.push({ path: '/api/v1/users/me', headers: { authorization: `Bearer ${cc.body.access_token}` } }); // wrong audience
    misuses.push({ path: '/oauth/userinfo', headers: { authorization: `Bearer ${login.body.refresh_token}` } });
    misuses.push({ method: 'POST', path: '/api/v1/users/me/password', headers: { authorization: `Bearer ${nomad.body.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ current_password: 'not it at all', new_password: 'short' }) });
    misuses.push({ method: 'POST', path: `/api/v1/projects/${project.id}/bots`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: bot.client_secret }) });
    for (const m of misuses) await call(m);
    assert.ok(errorBodies.length >= misuses.length - 2, 'the misuses were refused');

    const changed = await json('POST', '/api/v1/users/me/password', { current_password: user.password, new_password: 'the second secret password' }, nomad.body.access_token);
    assert.equal(changed.status, 204);
    keep('the second secret password');
    await json('DELETE', `/api/v1/app-tokens/${app1.body.id}`, undefined, login.body.access_token);
    await call({ method: 'DELETE', path: `/api/v1/projects/${project.id}/bots/${bot.id}`, headers: { authorization: `Bearer ${admin}` } });

    // Everything that is kept: the audit log (all pages), /metrics, the log.
    const audit: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: unknown[]; next_cursor: string | null } = (await call({ path: `/api/v1/audit-events?limit=200${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${admin}` } })).body;
      audit.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    const auditText = JSON.stringify(audit);
    for (const type of ['token.issued', 'login', 'login.throttled', 'refresh.reuse', 'bot.created', 'bot.secret_rotated', 'user.password_changed', 'client.authentication']) {
      assert.ok(audit.some((e: any) => e.type === type), `the audit log has ${type} events`);
    }
    const metrics = await send(gh.url, { path: '/metrics' });
    assert.equal(metrics.status, 200, 'metrics are on by default');
    const metricsText = metrics.text;
    const places: [string, string][] = [['error bodies', errorBodies.join('\n')], ['audit events', auditText], ['metrics', metricsText], ['logs', gh.logs()]];
    assert.ok(secrets.size >= 20, `${secrets.size} secrets`);
    for (const s of secrets) {
      assert.ok(s.length >= 12, `a non-trivial secret: ${s.slice(0, 4)}`);
      // JWTs are also searched by their signature alone, and every secret URL-encoded as it may be echoed.
      const needles = [s, encodeURIComponent(s), ...(s.split('.').length === 3 ? [s.split('.')[2]!] : [])];
      for (const [where, text] of places) {
        for (const needle of needles) {
          const at = text.indexOf(needle);
          assert.equal(at, -1, `a secret (${s.slice(0, 8)}...) appears in the ${where}: ...${text.slice(Math.max(0, at - 300), at + 80)}`);
        }
      }
    }
  });
});
