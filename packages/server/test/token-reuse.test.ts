// Server-side token reuse (opt-in per API) and `--workers`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type BotCredentials, type Gatehouse, startGatehouse } from './support/harness.ts';
import { decode } from './support/jwt.ts';

describe('server-side token reuse', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let reuseApi: { id: string };
  before(async () => {
    gh = await startGatehouse();
    bot = await gh.createBot({ name: 'chatty' });
    reuseApi = await gh.createApi({ identifier: 'https://reuse.example', scopes: ['a', 'b'], reuse_tokens: true });
    const plain = await gh.createApi({ identifier: 'https://plain.example', scopes: ['a'] });
    await gh.grant(reuseApi.id, bot.id, ['a', 'b']);
    await gh.grant(plain.id, bot.id, ['a']);
  });
  after(() => gh.stop());

  const ask = (audience: string, scope?: string) =>
    gh.token({ grant_type: 'client_credentials', audience, ...(scope ? { scope } : {}) }, { basic: [bot.client_id, bot.client_secret] });

  test('the same (client, audience, scope) gets the same token; other scopes and APIs without reuse do not', async () => {
    const a = await ask('https://reuse.example');
    const b = await ask('https://reuse.example');
    assert.equal(a.status, 200);
    assert.equal(b.body.access_token, a.body.access_token);
    assert.ok(b.body.expires_in <= a.body.expires_in && b.body.expires_in > 86400 / 2);
    const narrower = await ask('https://reuse.example', 'a');
    assert.notEqual(narrower.body.access_token, a.body.access_token);
    assert.equal((await ask('https://reuse.example', 'a')).body.access_token, narrower.body.access_token);
    const p1 = await ask('https://plain.example');
    const p2 = await ask('https://plain.example');
    assert.notEqual(p1.body.access_token, p2.body.access_token);
    const audit = await gh.api('GET', '/api/v1/audit-events?type=token.reused');
    assert.ok(audit.events.length >= 2, 'reuse is recorded as such in the audit log');
    assert.ok(audit.events.every((e: { type: string }) => e.type === 'token.reused'));
  });

  test('revoking the token, changing the grant or deleting the bot stops the reuse', async () => {
    const first = await ask('https://reuse.example', 'b');
    const form = new URLSearchParams({ token: first.body.access_token });
    const auth = 'Basic ' + Buffer.from(`${encodeURIComponent(bot.client_id)}:${encodeURIComponent(bot.client_secret)}`).toString('base64');
    await fetch(`${gh.url}/oauth/revoke`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const second = await ask('https://reuse.example', 'b');
    assert.notEqual(second.body.access_token, first.body.access_token, 'a revoked token is never handed out again');
    await gh.grant(reuseApi.id, bot.id, ['a']);
    const third = await ask('https://reuse.example', 'b');
    assert.equal(third.body.error, 'invalid_scope', 'the grant no longer covers b');
    const withA = await ask('https://reuse.example');
    assert.equal(decode(withA.body.access_token).payload.scope, 'a');
    await gh.api('DELETE', `/api/v1/projects/${bot.project_id}/bots/${bot.id}`);
    const gone = await ask('https://reuse.example');
    assert.equal(gone.status, 401);
  });
});

describe('gatehouse start --workers 2', () => {
  test('two worker processes serve one port with one store; SIGTERM stops them all', async () => {
    const gh = await startGatehouse({ env: { GATEHOUSE_WORKERS: '2' } });
    try {
      assert.match(gh.logs(), /2 workers/);
      const bot = await gh.createBot({ name: 'parallel' });
      const api = await gh.createApi({ identifier: 'https://workers.example', scopes: [] });
      await gh.grant(api.id, bot.id, []);
      const results = await Promise.all(
        Array.from({ length: 40 }, () => gh.token({ grant_type: 'client_credentials', audience: 'https://workers.example' }, { basic: [bot.client_id, bot.client_secret] })),
      );
      assert.ok(results.every((r) => r.status === 200));
      const login = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
      let rt = login.body.refresh_token;
      for (let i = 0; i < 10; i++) {
        const r = await gh.token({ grant_type: 'refresh_token', refresh_token: rt });
        assert.equal(r.status, 200, 'rotation works whichever worker answers');
        rt = r.body.refresh_token;
      }
    } finally {
      assert.equal(await gh.stop(), 0);
    }
  });
});
