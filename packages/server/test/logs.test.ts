// No secret, password or token in the server's log output: a whole session of flows with logs captured,
// then every secret it created is searched for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from './support/harness.ts';

test('the logs of a full session contain none of the secrets it created', async () => {
  const gh = await startGatehouse({ env: { GATEHOUSE_LOG_LEVEL: 'debug' } });
  const secrets: string[] = [gh.admin.password];
  try {
    const bot = await gh.createBot({ name: 'leaky' });
    secrets.push(bot.client_secret);
    const api = await gh.createApi({ identifier: 'https://api.example', scopes: ['read'] });
    await gh.grant(api.id, bot.id, ['read']);
    const user = { email: 'nomad@example.com', password: 'nomad user password 1' };
    await gh.createUser(user);
    secrets.push(user.password);
    const cc = await gh.token({ grant_type: 'client_credentials', audience: 'https://api.example' }, { basic: [bot.client_id, bot.client_secret] });
    secrets.push(cc.body.access_token);
    const pw = await gh.token({ grant_type: 'password', username: user.email, password: user.password });
    secrets.push(pw.body.access_token, pw.body.refresh_token, pw.body.id_token);
    const rt = await gh.token({ grant_type: 'refresh_token', refresh_token: pw.body.refresh_token });
    secrets.push(rt.body.refresh_token, rt.body.access_token);
    await gh.token({ grant_type: 'refresh_token', refresh_token: pw.body.refresh_token }); // reuse, logged as refused
    const nomad = await fetch(`${gh.url}/api/v1/auth/token?${new URLSearchParams({ username: user.email, password: user.password })}`);
    secrets.push((await nomad.json()).access_token);
    const wrong = await fetch(`${gh.url}/api/v1/auth/token?username=${user.email}&password=wrong-password-xyz`);
    assert.equal(wrong.status, 400);
    secrets.push('wrong-password-xyz');
    const app = await fetch(`${gh.url}/api/v1/auth/app_token?expires_in=60`, { headers: { authorization: `Bearer ${pw.body.access_token}` } });
    secrets.push((await app.json()).access_token);
    await fetch(`${gh.url}/api/v1/projects`, { headers: { authorization: 'Bearer not-a-real-token-but-secretish' } });
    secrets.push('not-a-real-token-but-secretish');
    await fetch(`${gh.url}/oauth/introspect`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${bot.client_id}:${bot.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${cc.body.access_token}` });
    await fetch(`${gh.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"grant_type":"password","username":"x","password":"${'p'.repeat(5)}-json-secret"` });
    secrets.push('ppppp-json-secret');
  } finally {
    await gh.stop();
  }
  const logs = gh.logs();
  assert.ok(logs.length > 1000, 'the session was logged');
  assert.match(logs, /password=REDACTED/, 'the NOMAD query string was logged redacted');
  for (const s of secrets) {
    assert.ok(s && s.length >= 12, `secret #${secrets.indexOf(s)} is non-trivial`);
    assert.equal(logs.includes(s), false, `a secret (${s.slice(0, 6)}...) appears in the logs`);
    // Tokens are also searched by their signature part alone.
    const sig = s.split('.')[2];
    if (sig) assert.equal(logs.includes(sig), false);
  }
});
