// Signing keys over real HTTP: states, rotation on demand with overlap (tokens signed before a rotation keep
// verifying, the new key was published before it signed), administrators only, and the key.rotated event.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { assertError, call, newUser } from './http.ts';

const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid as string;
const jwks = async (gh: Gatehouse) => ((await (await fetch(`${gh.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('signing keys', () => {
  let gh: Gatehouse;
  let admin: string;

  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_KEY_ROTATION_DAYS: '7' } });
    admin = await gh.adminToken();
  });
  after(() => gh.stop());

  test('the list shows an active and a next key per algorithm, with the rotation period', async () => {
    const r = await call(gh, 'GET', '/api/v1/keys', { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body.rotation_days, 7);
    const es = r.body.keys.filter((k: any) => k.alg === 'ES256');
    assert.deepEqual(es.map((k: any) => k.state).sort(), ['active', 'next']);
    for (const k of r.body.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['activated_at', 'alg', 'created_at', 'kid', 'publish_until', 'retiring_at', 'state']);
    }
    assert.ok(!/private|"d"/.test(r.text), 'no private key material');
    // The next key is already published.
    const published = await jwks(gh);
    for (const k of es) assert.ok(published.includes(k.kid), `${k.state} key ${k.kid} is in JWKS`);
  });

  test('only instance administrators list or rotate keys', async () => {
    const u = await newUser(gh, 'plain');
    assertError(await call(gh, 'GET', '/api/v1/keys', { token: u.token }), 403, /administrators/);
    assertError(await call(gh, 'POST', '/api/v1/keys/rotate', { token: u.token }), 403, /administrators/);
    assertError(await call(gh, 'POST', '/api/v1/keys/rotate'), 401, /Authentication required/);
  });

  test('rotation: next becomes active, active becomes retiring, a new next appears; old tokens keep working', async () => {
    const before = (await call(gh, 'GET', '/api/v1/keys', { token: admin })).body.keys.filter((k: any) => k.alg === 'ES256');
    const active = before.find((k: any) => k.state === 'active').kid;
    const next = before.find((k: any) => k.state === 'next').kid;
    assert.equal(kidOf(admin), active);

    const r = await call(gh, 'POST', '/api/v1/keys/rotate', { token: admin });
    assert.equal(r.status, 200);
    assert.ok(r.body.rotated.includes(next));
    assert.equal(r.body.rotated.length, 2, 'the RS256 key of ID tokens rotates with the default');
    const states = Object.fromEntries(r.body.keys.map((k: any) => [k.kid, k.state]));
    assert.equal(states[active], 'retiring');
    assert.equal(states[next], 'active');
    const fresh = r.body.keys.filter((k: any) => k.alg === 'ES256' && k.state === 'next');
    assert.equal(fresh.length, 1);
    const retiring = r.body.keys.find((k: any) => k.kid === active);
    assert.ok(Date.parse(retiring.publish_until) > Date.now() + 86400_000, 'the retiring key stays published while its tokens live');

    // The token signed by the old key still works, and JWKS still holds it.
    assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: admin })).status, 200);
    const published = await jwks(gh);
    for (const kid of [active, next, fresh[0].kid]) assert.ok(published.includes(kid));

    // New tokens are signed by the promoted key and verify against JWKS.
    const t = await gh.token({ grant_type: 'password', username: gh.admin.email, password: gh.admin.password });
    assert.equal(kidOf(t.body.access_token), next);
    await jwtVerify(t.body.access_token, createRemoteJWKSet(new URL(`${gh.url}/.well-known/jwks.json`)), { issuer: gh.url, audience: 'gatehouse' });
    const listed = (await call(gh, 'GET', '/api/v1/keys', { token: t.body.access_token })).body.keys;
    assert.equal(listed.find((k: any) => k.kid === next).state, 'active');
  });

  test('each rotation is in the audit log as key.rotated, with who asked', async () => {
    await call(gh, 'POST', '/api/v1/keys/rotate', { token: admin });
    const me = (await call(gh, 'GET', '/api/v1/users/me', { token: admin })).body;
    const events = (await call(gh, 'GET', '/api/v1/audit-events?type=key.rotated', { token: admin })).body.events;
    assert.ok(events.length >= 1);
    assert.equal(events[0].type, 'key.rotated');
    assert.equal(events[0].subject, me.id);
    assert.equal(events[0].detail.scheduled, false);
    assert.equal(events[0].detail.rotated.length, 2, 'ES256 and RS256');
  });
});
