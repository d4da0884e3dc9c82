// Credentials that really end: rotating a bot's secret ends what the old secret opened (refresh tokens, access
// tokens through the revocation feed), and a deleted bot's tokens are refused by Gatehouse and by every API that
// uses @gatehouse/verify, including the tokens minted in the very second of the deletion.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier } from '@gatehouse/verify';
import { iatBeforeFor, revokedBySubject, earliestRevocationCovering } from '@gatehouse/verify/revocation-rule';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { within } from '../cluster/support.ts';

describe('the revocation instant rule (shared by Gatehouse and @gatehouse/verify)', () => {
  test('no token issued at or before the revocation instant survives; tokens of later seconds do', () => {
    for (const revokedAt of [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_500, 1_700_000_000_999]) {
      const second = Math.floor(revokedAt / 1000);
      for (const iat of [second - 1, second]) {
        assert.ok(revokedBySubject(iat, iatBeforeFor(revokedAt)), `iat ${iat}, revoked at ${revokedAt}`);
        assert.ok(revokedAt >= earliestRevocationCovering(iat), 'the store and the feed agree');
      }
      assert.equal(revokedBySubject(second + 1, iatBeforeFor(revokedAt)), false);
      assert.ok(revokedAt < earliestRevocationCovering(second + 1));
    }
  });
});

describe('rotating and deleting bots ends their credentials', () => {
  let gh: Gatehouse;
  let projectId: string;
  let introspector: BotCredentials;
  before(async () => {
    gh = await startGatehouse();
    projectId = (await gh.createProject('credentials-end')).id;
    introspector = await gh.createBot({ name: 'introspector', projectId });
  });
  after(() => gh.stop());

  const active = async (token: string) => {
    const r = await fetch(`${gh.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: introspector.client_id, client_secret: introspector.client_secret }),
    });
    return ((await r.json()) as { active: boolean }).active;
  };
  const management = async (token: string) => (await fetch(`${gh.url}/api/v1/projects/${projectId}`, { headers: { authorization: `Bearer ${token}` } })).status;
  const rotate = (bot: BotCredentials, grace?: number) => gh.api('POST', `/api/v1/projects/${projectId}/bots/${bot.id}/rotate-secret`, grace === undefined ? {} : { grace_seconds: grace });

  test('rotation with grace_seconds 0: the refresh tokens and access tokens opened with the leaked secret end at once', async () => {
    const bot = await gh.createBot({ name: 'leaked', projectId });
    await gh.managementGrant(bot.id, ['projects:read']); // it reads its project below
    const stolen = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    assert.equal(stolen.status, 200);
    assert.equal(await management(stolen.body.access_token), 200);
    const rotated = await rotate(bot, 0);
    const refresh = await gh.token({ grant_type: 'refresh_token', refresh_token: stolen.body.refresh_token });
    assert.equal(refresh.status, 400, `the attacker keeps refreshing (${refresh.status})`);
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.equal(await management(stolen.body.access_token), 401);
    assert.equal(await active(stolen.body.access_token), false);
    const feed = (await (await fetch(`${gh.url}/oauth/revocations`)).json()) as { subjects: { sub: string; iat_before: number }[] };
    assert.ok(feed.subjects.some((s) => s.sub === `bot|${bot.id}`), 'the subject revocation is published on the feed');
    const fresh = await gh.token({ grant_type: 'password', username: bot.email, password: rotated.client_secret });
    assert.equal(fresh.status, 200, 'the new secret works');
    // Minted in the rotation's own second, the fresh token may be revoked with the old ones; one second later it is not.
    assert.ok(await within(3000, async () => {
      const later = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: rotated.client_secret, audience: 'gatehouse' });
      return later.status === 200 && (await management(later.body.access_token)) === 200;
    }));
  });

  test('rotation with a grace period: refresh tokens end when it ends, also those opened with the old secret during it', async () => {
    const bot = await gh.createBot({ name: 'graceful', projectId });
    await gh.managementGrant(bot.id, ['projects:read']); // it reads its project below
    const before = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    await rotate(bot, 1);
    const during = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    assert.equal(during.status, 200, 'the old secret works during the grace period');
    let a = during.body.refresh_token as string;
    const first = await gh.token({ grant_type: 'refresh_token', refresh_token: before.body.refresh_token });
    assert.equal(first.status, 200, 'refresh works during the grace period');
    let b = first.body.refresh_token as string;
    const ended = await within(5000, async () => {
      const ra = await gh.token({ grant_type: 'refresh_token', refresh_token: a });
      const rb = await gh.token({ grant_type: 'refresh_token', refresh_token: b });
      if (ra.status === 200) a = ra.body.refresh_token;
      if (rb.status === 200) b = rb.body.refresh_token;
      return ra.status === 400 && rb.status === 400;
    });
    assert.ok(ended, 'both families ended with the grace period');
  });

  test('tokens minted with the old secret during a grace period end with it', async () => {
    const bot = await gh.createBot({ name: 'grace-tokens', projectId });
    await rotate(bot, 120);
    const cc = await gh.token({ grant_type: 'client_credentials', audience: 'gatehouse' }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(cc.status, 200);
    assert.ok(cc.body.expires_in <= 120, `client_credentials with the old secret: expires_in ${cc.body.expires_in}`);
    const pw = await gh.token({ grant_type: 'password', username: bot.email, password: bot.password });
    assert.equal(pw.status, 200);
    assert.ok(pw.body.expires_in <= 120, `password grant with the old secret: expires_in ${pw.body.expires_in}`);
  });

  test('a bot deleted while tokens are minted continuously: none of them survives, at Gatehouse or at @gatehouse/verify', async () => {
    const bot = await gh.createBot({ name: 'doomed', projectId });
    await gh.managementGrant(bot.id, ['projects:read']); // it reads its project below
    const tokens: string[] = [];
    let deleted = false;
    let refusedAfter = 0;
    const mint = async () => {
      while (refusedAfter < 20) {
        const r = await gh.token({ grant_type: 'client_credentials', audience: 'gatehouse' }, { basic: [bot.client_id, bot.client_secret] });
        if (r.status === 200) tokens.push(r.body.access_token);
        else if (deleted) refusedAfter++;
      }
    };
    const minters = Array.from({ length: 4 }, mint);
    assert.ok(await within(5000, async () => tokens.length >= 50), 'minting');
    await gh.api('DELETE', `/api/v1/projects/${projectId}/bots/${bot.id}`);
    deleted = true;
    await Promise.all(minters);
    assert.ok(tokens.length >= 50);
    const verifier = createVerifier({ issuer: gh.issuer, audience: 'gatehouse', revocation: { poll: true, intervalMs: 50 } });
    await verifier.warmUp();
    const survivors: string[] = [];
    for (const t of tokens) if (await verifier.verify(t).then(() => true, () => false)) survivors.push(t);
    assert.equal(survivors.length, 0, `${survivors.length} of ${tokens.length} tokens of the deleted bot still verify`);
    const alive = (await Promise.all(tokens.map(active))).filter(Boolean).length;
    assert.equal(alive, 0, `${alive} of ${tokens.length} still introspect as active`);
  });
});

describe('an ID token lives no longer than a management token', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.stop());

  test('a login for an API with a one-year lifetime: the access token gets the year, the ID token the management lifetime', async () => {
    // Every signed-in user holds its one scope (users get no API scope by default).
    await gh.createApi({ identifier: 'https://year.example', token_lifetime: 31_536_000, scopes: ['read'], user_scopes: ['read'] });
    const user = { email: 'id-token-life@example.com', password: 'a long enough password' };
    await gh.createUser(user);
    const r = await gh.token({ grant_type: 'password', username: user.email, password: user.password, audience: 'https://year.example' });
    assert.equal(r.status, 200, JSON.stringify(r.body?.error));
    const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    const access = claims(r.body.access_token);
    const id = claims(r.body.id_token);
    assert.equal(access.exp - access.iat, 31_536_000);
    assert.equal(id.exp - id.iat, 86_400, 'the management API\'s lifetime (GATEHOUSE_ACCESS_TOKEN_LIFETIME), not a year');
  });
});
