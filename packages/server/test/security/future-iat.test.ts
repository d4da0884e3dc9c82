// A token signed with Gatehouse's own key but "issued" ten years from now is refused on every bearer surface of
// the server (management API, introspection, userinfo), as @gatehouse/verify refuses it. The token is made with
// the server's real signing key, read from its data dir the way the offline CLI reads it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { openServices } from '../../src/services.ts';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { decode } from '../support/jwt.ts';
import { basic, postForm, send } from './http.ts';

let gh: Gatehouse;
let bot: BotCredentials;
let future: string;
let nearFuture: string;

before(async () => {
  gh = await startGatehouse({ store: 'sqlite' });
  bot = await gh.createBot({ name: 'future-check' });
  const admin = decode(await gh.adminToken()).payload as { sub: string };
  const config = loadConfig(['--data-dir', gh.dataDir], { GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString('hex'), GATEHOUSE_ISSUER: gh.issuer });
  const { services, store } = await openServices(config);
  try {
    const key = services.keyring.signingKey('ES256');
    const sign = async (iat: number) =>
      key.signer.sign('at+jwt', JSON.stringify({ iss: gh.issuer, sub: admin.sub, aud: 'gatehouse', iat, exp: iat + 3600, jti: `future-${iat}`, client_id: 'gatehouse-public', scope: 'openid' }));
    const now = Math.floor(Date.now() / 1000);
    future = await sign(now + 10 * 365 * 86400);
    nearFuture = await sign(now + 2); // within the 5 s clock tolerance
  } finally {
    await store.close();
  }
});
after(() => gh.stop());

test('iat ten years ahead: 401 at the management API, inactive at introspection, 401 at userinfo', async () => {
  const me = await send(gh.url, { path: '/api/v1/users/me', headers: { authorization: `Bearer ${future}` } });
  assert.equal(me.status, 401, me.text);
  assert.match(me.body.message, /future/);
  const intro = await postForm(gh.url, { token: future }, { path: '/oauth/introspect', headers: { authorization: basic(bot.client_id, bot.client_secret) } });
  assert.deepEqual(intro.body, { active: false });
  const info = await send(gh.url, { path: '/oauth/userinfo', headers: { authorization: `Bearer ${future}` } });
  assert.equal(info.status, 401);
});

test('iat within the clock tolerance is accepted', async () => {
  const me = await send(gh.url, { path: '/api/v1/users/me', headers: { authorization: `Bearer ${nearFuture}` } });
  assert.equal(me.status, 200, me.text);
});
