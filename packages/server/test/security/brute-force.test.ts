// Brute-force protection on everything that checks a password or a secret: counters per (account, client IP)
// and per client IP, 429 slow_down with Retry-After past the threshold, the owner's own address unaffected,
// X-Forwarded-For only from trusted proxies, and unknown accounts indistinguishable from wrong passwords.
// "Another IP" is a real TCP peer: requests are sent from 127.0.x.y, which Linux routes as loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { BruteForceGuard, addressKey } from '../../src/security/brute-force.ts';
import { MemoryFailureStore } from '../../src/security/failure-store.ts';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type RawReply, basic, postForm, send } from './http.ts';

function assertSlowDown(r: RawReply, window = 900): void {
  assert.equal(r.status, 429, `expected 429, got ${r.status} ${r.text}`);
  assert.deepEqual(Object.keys(r.body).sort(), ['error', 'error_description']);
  assert.equal(r.body.error, 'slow_down');
  const retry = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry > 0 && retry <= window, `Retry-After ${r.headers['retry-after']}`);
  assert.equal(r.headers['cache-control'], 'no-store');
}

describe('brute-force guard (unit)', () => {
  test('defaults: 10 failures per (account, IP) and 100 per IP in 15 minutes', () => {
    const c = loadConfig([], {});
    assert.equal(c.bruteForceThreshold, 10);
    assert.equal(c.bruteForceWindowSeconds, 900);
    assert.equal(c.bruteForceIpThreshold, 100);
  });

  test('the pair is refused past the threshold until its window ends; a success clears only the pair', async () => {
    const g = new BruteForceGuard({ bruteForceThreshold: 3, bruteForceWindowSeconds: 60, bruteForceIpThreshold: 5 });
    const t0 = 1_000_000;
    const fail = async (account: string, ip: string, now = t0) => {
      const r = await g.reserve(account, ip, now);
      assert.ok(r.allowed, `${account} from ${ip} was refused`);
      return r.settle(false);
    };
    const refusedFor = async (account: string, ip: string, now = t0) => {
      const r = await g.reserve(account, ip, now);
      if (r.allowed) await r.cancel();
      return r.allowed ? 0 : r.retryAfter;
    };
    for (let i = 0; i < 2; i++) assert.equal(await fail('Ann@Example.com ', '10.0.0.1'), false);
    assert.equal(await refusedFor('ann@example.com', '10.0.0.1'), 0);
    assert.equal(await fail('ann@example.com', '10.0.0.1'), true, 'the failure that reaches the threshold says so');
    assert.equal(await refusedFor('ANN@example.com', '10.0.0.1', t0 + 1000), 59);
    assert.equal(await refusedFor('ann@example.com', '10.0.0.2'), 0, 'another address is not refused');
    await fail('bob@example.com', '10.0.0.1');
    assert.equal(await fail('carl@example.com', '10.0.0.1'), true, 'the fifth failure from the address');
    assert.ok((await refusedFor('dora@example.com', '10.0.0.1')) > 0, 'the address is refused for every account');
    assert.ok((await g.judge('ann@example.com', '10.0.0.1', true, t0)).allowed === false, 'a right secret past the threshold is refused too');
    assert.equal(await refusedFor('ann@example.com', '10.0.0.1', t0 + 60_000), 0, 'the windows ended');
  });

  test('reserve counts an attempt before its check: concurrent attempts past the threshold are refused, a cancelled one is not counted', async () => {
    const g = new BruteForceGuard({ bruteForceThreshold: 3, bruteForceWindowSeconds: 60, bruteForceIpThreshold: 0 });
    const rs = await Promise.all(Array.from({ length: 10 }, () => g.reserve('eve@example.com', '10.0.0.9', 5)));
    assert.equal(rs.filter((r) => r.allowed).length, 3);
    const [first, second] = rs.filter((r) => r.allowed);
    if (!first?.allowed || !second?.allowed) throw new Error('unreachable');
    await first.cancel();
    assert.ok((await g.reserve('eve@example.com', '10.0.0.9', 5)).allowed, 'the cancelled turn is free again');
    await second.settle(true);
    const after = await g.reserve('eve@example.com', '10.0.0.9', 5);
    assert.ok(after.allowed, 'a success cleared the pair');
  });

  test('judge counts a cheap check after it: concurrent wrong guesses past the threshold are refused, right ones are not pending', async () => {
    const g = new BruteForceGuard({ bruteForceThreshold: 3, bruteForceWindowSeconds: 60, bruteForceIpThreshold: 0 });
    const rights = await Promise.all(Array.from({ length: 20 }, () => g.judge('bot@example.com', '10.0.0.8', true, 5)));
    assert.ok(rights.every((r) => r.allowed), 'many right secrets at once are all accepted');
    const wrongs = await Promise.all(Array.from({ length: 20 }, () => g.judge('bot@example.com', '10.0.0.8', false, 5)));
    assert.equal(wrongs.filter((r) => r.allowed).length, 3);
  });

  test('IPv6 clients are counted by their /64; IPv4-mapped addresses as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('fe80::1%eth0'), addressKey('fe80::2'));
    assert.equal(addressKey(undefined), 'unknown', 'req.ip of a request whose client has already disconnected');
  });

  test('the in-memory store stays bounded however many keys an attacker invents', async () => {
    const s = new MemoryFailureStore(1000);
    for (let i = 0; i < 50_000; i++) await s.increment(`k${i}`, 60_000, 5);
    assert.ok(s.size <= 1000, `size ${s.size}`);
    assert.equal((await s.get('k49999', 5))?.count, 1, 'the newest keys are kept');
  });
});

describe('brute-force protection over HTTP', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  const user = { email: 'trillian@example.com', password: 'heart of gold 42' };
  const other = { email: 'marvin@example.com', password: 'brain the size of a planet' };
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_BRUTE_FORCE_THRESHOLD: '3', GATEHOUSE_BRUTE_FORCE_IP_THRESHOLD: '8' } });
    await gh.createUser(user);
    await gh.createUser(other);
    bot = await gh.createBot({ name: 'guarded' });
  });
  after(() => gh.stop());

  const pw = (username: string, password: string, from: string, headers?: Record<string, string>) =>
    postForm(gh.url, { grant_type: 'password', username, password }, { from, headers });

  test('password grant: 429 slow_down after the threshold, even for the right password; the owner elsewhere logs in', async () => {
    const attacker = '127.0.1.1';
    for (let i = 0; i < 3; i++) {
      const r = await pw(user.email, `guess-${i}`, attacker);
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_grant');
    }
    assertSlowDown(await pw(user.email, user.password, attacker));
    assertSlowDown(await pw(user.email.toUpperCase(), 'guess-x', attacker), 900);
    const owner = await pw(user.email, user.password, '127.0.2.1');
    assert.equal(owner.status, 200, 'the victim is not locked out from their own address');
    const otherAccount = await pw(other.email, other.password, attacker);
    assert.equal(otherAccount.status, 200, 'only the (account, IP) pair is blocked');
    // The seed aliases check the same password, so they share the counter.
    const dataloop = await send(gh.url, { method: 'POST', path: '/token?default', from: attacker, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.email, password: user.password, type: 'user_credentials' }) });
    assertSlowDown(dataloop);
    const nomad = await send(gh.url, { path: `/api/v1/auth/token?${new URLSearchParams({ username: user.email, password: user.password })}`, from: attacker });
    assertSlowDown(nomad);
    const events = await gh.api('GET', '/api/v1/audit-events?type=login.throttled');
    assert.equal(events.events.filter((e: any) => e.ip === attacker).length, 1, 'one audit event when the pair is blocked, not one per try');
  });

  test('an unknown account and a wrong password answer alike before and after the threshold', async () => {
    const [a, b] = ['127.0.1.2', '127.0.1.3'];
    for (let i = 0; i < 3; i++) {
      const wrong = await pw(user.email, `nope-${i}`, a);
      const unknown = await pw('nobody-here@example.com', `nope-${i}`, b);
      assert.equal(unknown.status, wrong.status);
      assert.deepEqual(unknown.body, wrong.body);
    }
    const blockedKnown = await pw(user.email, user.password, a);
    const blockedUnknown = await pw('nobody-here@example.com', 'x', b);
    assertSlowDown(blockedKnown);
    assertSlowDown(blockedUnknown);
    assert.deepEqual(blockedUnknown.body, blockedKnown.body);
  });

  test('a wrong password, an unknown account and a wrong bot secret cost the same password hash', async () => {
    // Not a performance assertion: without the dummy argon2 check an unknown account answers ~100x faster than a
    // wrong password (no hash at all); the bound below only catches that order of difference.
    const time = async (username: string, from: string) => {
      const t = performance.now();
      const r = await pw(username, 'definitely wrong', from);
      assert.equal(r.status, 400);
      return performance.now() - t;
    };
    const samples: Record<string, number[]> = { user: [], unknown: [], bot: [] };
    for (let i = 0; i < 6; i++) {
      const from = `127.0.3.${i + 1}`;
      const round = [['user', user.email], ['unknown', `ghost-${i}@example.com`], ['bot', bot.email]] as const;
      for (const [kind, name] of i % 2 ? [...round].reverse() : round) samples[kind]!.push(await time(name, from));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v.slice(1))]));
    const ratio = Math.min(m.user!, m.unknown!, m.bot!) / Math.max(m.user!, m.unknown!, m.bot!);
    assert.ok(ratio > 0.2, `medians ${JSON.stringify(m)}`);
  });

  test('a success clears the pair counter; failures must be consecutive to block', async () => {
    const from = '127.0.1.4';
    for (const p of ['w1', 'w2', other.password, 'w3', 'w4', other.password]) {
      const r = await pw(other.email, p, from);
      assert.equal(r.status, p === other.password ? 200 : 400);
    }
  });

  test('per client IP: failures on many accounts block the address for every account, not other addresses', async () => {
    const from = '127.0.1.5';
    for (let i = 0; i < 8; i++) assert.equal((await pw(`spray-${i}@example.com`, 'Winter2024!', from)).status, 400);
    assertSlowDown(await pw(other.email, other.password, from));
    assert.equal((await pw(other.email, other.password, '127.0.2.5')).status, 200);
  });

  test('X-Forwarded-For from an untrusted peer is ignored: rotating it does not reset the counter', async () => {
    const from = '127.0.1.6';
    for (let i = 0; i < 3; i++) await pw(user.email, `xff-${i}`, from, { 'x-forwarded-for': `203.0.113.${i}` });
    assertSlowDown(await pw(user.email, user.password, from, { 'x-forwarded-for': '203.0.113.200' }));
  });

  test('client authentication at token, introspection and revocation: 429 after the threshold, per address', async () => {
    const attacker = '127.0.1.7';
    for (let i = 0; i < 3; i++) {
      const r = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { from: attacker, headers: { authorization: basic(bot.client_id, `ghb_guess${i}`) } });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
    }
    const right = { authorization: basic(bot.client_id, bot.client_secret) };
    assertSlowDown(await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { from: attacker, headers: right }));
    assertSlowDown(await postForm(gh.url, { token: 'x' }, { path: '/oauth/introspect', from: attacker, headers: right }));
    assertSlowDown(await postForm(gh.url, { token: 'x' }, { path: '/oauth/revoke', from: attacker, headers: right }));
    assertSlowDown(await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse', client_id: bot.client_id, client_secret: bot.client_secret }, { from: attacker }));
    const owner = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse' }, { from: '127.0.2.7', headers: right });
    assert.equal(owner.status, 200, 'the bot keeps working from its own address');
  });

  test('POST /api/v1/users/me/password: guessing the current password with a stolen token is throttled too', async () => {
    const u = { email: 'zaphod-bf@example.com', password: 'two heads are better' };
    await gh.createUser(u);
    const token = (await pw(u.email, u.password, '127.0.2.8')).body.access_token;
    const change = (current: string, from: string) =>
      send(gh.url, { method: 'POST', path: '/api/v1/users/me/password', from, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ current_password: current, new_password: 'a brand new password' }) });
    for (let i = 0; i < 3; i++) assert.equal((await change(`guess-${i}`, '127.0.1.8')).status, 400);
    const blocked = await change(u.password, '127.0.1.8');
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.statusCode, 429);
    assert.equal(blocked.body.statusFamily, 'CLIENT_ERROR');
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal((await change(u.password, '127.0.2.8')).status, 204, 'the owner changes it from their own address');
  });
});

describe('brute-force protection behind a trusted proxy', () => {
  let gh: Gatehouse;
  const user = { email: 'slartibartfast@example.com', password: 'fjords are my thing' };
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_BRUTE_FORCE_THRESHOLD: '3', GATEHOUSE_TRUST_PROXY: '127.0.0.1' } });
    await gh.createUser(user);
  });
  after(() => gh.stop());

  const pw = (password: string, from: string, xff?: string) =>
    postForm(gh.url, { grant_type: 'password', username: user.email, password }, { from, headers: xff ? { 'x-forwarded-for': xff } : {} });

  test("the trusted proxy's X-Forwarded-For is the client: the attacker's address is blocked, the owner's is not", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await pw(`g${i}`, '127.0.0.1', '198.51.100.1')).status, 400);
    assertSlowDown(await pw(user.password, '127.0.0.1', '198.51.100.1'));
    assertSlowDown(await pw(user.password, '127.0.0.1', '10.9.9.9, 198.51.100.1'), 900);
    assert.equal((await pw(user.password, '127.0.0.1', '198.51.100.2')).status, 200);
  });

  test('garbage in X-Forwarded-For from the trusted proxy is counted like any address, never a 5xx', async () => {
    for (const xff of ['', 'unknown', '999.1.1.1', 'a, b, c', ' , ']) {
      const r = await pw('wrong', '127.0.0.1', xff);
      assert.ok(r.status === 400 || r.status === 429, `${JSON.stringify(xff)}: ${r.status} ${r.text}`);
      const cc = await postForm(gh.url, { grant_type: 'client_credentials', audience: 'gatehouse', client_id: 'x@example.com', client_secret: 'y' }, { headers: { 'x-forwarded-for': xff } });
      assert.ok(cc.status === 401 || cc.status === 429, `${JSON.stringify(xff)}: ${cc.status} ${cc.text}`);
    }
  });

  test('a peer that is not a trusted proxy cannot choose its address with X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await pw(`h${i}`, '127.0.0.3', `192.0.2.${i}`)).status, 400);
    assertSlowDown(await pw(user.password, '127.0.0.3', '192.0.2.99'));
  });
});
