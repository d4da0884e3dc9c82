// The device authorization grant (RFC 8628) over real HTTP: codes, the verification page while signed in, polling
// (authorization_pending, slow_down, then the tokens once), denial, and user-code guessing stopped by the guard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { Agent } from './agent.ts';
import { normalizeUserCode, newUserCode } from '../../src/oauth/device.ts';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';

describe('device authorization grant', () => {
  let gh: Gatehouse;
  const user = { email: 'device@example.com', password: 'device password long' };
  let native: any;

  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_BRUTE_FORCE_THRESHOLD: '5' } });
    await gh.createUser(user);
    const admin = await gh.adminToken();
    const project = await gh.api('POST', '/api/v1/projects', { name: 'devices' }, admin);
    native = await gh.api('POST', `/api/v1/projects/${project.id}/clients`, { name: 'Notebook <CLI>', type: 'native', redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['authorization_code', 'refresh_token', DEVICE] }, admin);
  });
  after(() => gh.stop());

  const authorize = async (client_id: string, extra: Record<string, string> = {}) => {
    const r = await fetch(`${gh.url}/oauth/device_authorization`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id, scope: 'openid email offline_access', ...extra }) });
    return { status: r.status, body: await r.json() };
  };
  const poll = (device_code: string, client_id = native.client_id) => gh.token({ grant_type: DEVICE, device_code, client_id });

  async function signedIn(): Promise<Agent> {
    const agent = new Agent(gh.url);
    const page = await agent.get('/device');
    assert.match(page.text, /Sign in/);
    const done = await agent.submit(page, '/login', { email: user.email, password: user.password });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.location, '/device');
    return agent;
  }

  test('user codes: eight letters without vowels, typed in any case and with any separator', () => {
    for (let i = 0; i < 50; i++) assert.match(newUserCode(), /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(normalizeUserCode('bcdf ghjk'), 'BCDF-GHJK');
    assert.equal(normalizeUserCode('BCDFGHJK'), 'BCDF-GHJK');
    assert.equal(normalizeUserCode('ABCD-EFGH'), undefined);
    assert.equal(normalizeUserCode('BCD'), undefined);
  });

  test('codes, the verification page, polling with authorization_pending and slow_down, then tokens once', async () => {
    const a = await authorize(native.client_id);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.match(a.body.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(a.body.verification_uri, `${gh.issuer}/device`);
    assert.equal(a.body.verification_uri_complete, `${gh.issuer}/device?user_code=${a.body.user_code}`);
    assert.equal(a.body.interval, 5);
    assert.equal(a.body.expires_in, 600);

    const pending = await poll(a.body.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');
    const fast = await poll(a.body.device_code);
    assert.equal(fast.body.error, 'slow_down');

    const agent = await signedIn();
    const entry = await agent.get(`/device?user_code=${a.body.user_code.toLowerCase()}`);
    assert.match(entry.text, new RegExp(`value="${a.body.user_code}"`));
    const confirm = await agent.submit(entry, '/device', { user_code: a.body.user_code.toLowerCase().replace('-', ' ') });
    assert.equal(confirm.status, 200, confirm.text);
    assert.match(confirm.text, /Connect Notebook &lt;CLI&gt;\?/);
    assert.match(confirm.text, /See your email address/);
    const forged = await agent.request('POST', '/device/confirm', { form: { user_code: a.body.user_code, decision: 'allow' }, headers: { origin: gh.url } });
    assert.equal(forged.status, 403);
    const done = await agent.submit(confirm, '/device/confirm', { decision: 'allow' });
    assert.match(done.text, /Device connected/);
  });

  test('an approved code gives tokens once (polling respects the interval)', async (t) => {
    // The interval is enforced against the stored time of the last poll; this test polls only after approving.
    const a = await authorize(native.client_id);
    const agent = await signedIn();
    const confirm = await agent.submit(await agent.get('/device'), '/device', { user_code: a.body.user_code });
    await agent.submit(confirm, '/device/confirm', { decision: 'allow' });
    const r = await poll(a.body.device_code);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.access_token && r.body.id_token && r.body.refresh_token);
    const again = await poll(a.body.device_code);
    assert.ok(['invalid_grant', 'slow_down'].includes(again.body.error), again.body.error);
    t.diagnostic('second poll: ' + again.body.error);
    // Another client cannot poll for it.
    const b = await authorize(native.client_id);
    assert.equal((await poll(b.body.device_code, 'gatehouse-cli')).body.error, 'invalid_grant');
  });

  test('a denied code is access_denied; clients without the grant get no codes', async () => {
    const a = await authorize(native.client_id);
    const agent = await signedIn();
    const confirm = await agent.submit(await agent.get('/device'), '/device', { user_code: a.body.user_code });
    await agent.submit(confirm, '/device/confirm', { decision: 'deny' });
    assert.equal((await poll(a.body.device_code)).body.error, 'access_denied');
    const none = await authorize('gatehouse-public');
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'unauthorized_client');
  });

  test('user-code guessing: wrong codes are refused, and past the threshold even the right one waits', async () => {
    const a = await authorize(native.client_id);
    const agent = await signedIn();
    let page = await agent.get('/device');
    let last = page;
    for (let i = 0; i < 5; i++) {
      last = await agent.submit(page, '/device', { user_code: 'BCDF-GHJK' });
      assert.equal(last.status, 400, last.text);
      page = last;
    }
    last = await agent.submit(page, '/device', { user_code: a.body.user_code });
    assert.equal(last.status, 429);
    assert.match(last.text, /Too many wrong codes/);
  });
});
