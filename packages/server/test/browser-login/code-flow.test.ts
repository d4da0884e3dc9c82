// Authorization code + PKCE over real HTTP without a browser (issue 18 items 2-3): sign in through the page, the
// code at the token endpoint for a spa and a web client, consent for a third-party client, sign-out; and the
// hostile inputs: open redirects, code replay, PKCE downgrade, state, CSRF on the forms, session fixation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { Agent, type Page, authorizeUrl, field, pkce } from './agent.ts';

describe('authorization code + PKCE', () => {
  let gh: Gatehouse;
  const user = { email: 'alice@example.com', password: 'alice has a long password' };
  let spa: any;
  let web: any;
  let third: any;
  let adminToken: string;

  before(async () => {
    gh = await startGatehouse();
    await gh.createUser({ ...user, name: 'Alice' });
    adminToken = await gh.adminToken();
    const project = await gh.api('POST', '/api/v1/projects', { name: 'apps' }, adminToken);
    const base = `/api/v1/projects/${project.id}/clients`;
    spa = await gh.api('POST', base, { name: 'Own SPA', type: 'spa', redirect_uris: ['http://127.0.0.1:9/spa/cb'], first_party: true }, adminToken);
    web = await gh.api('POST', base, { name: 'Own Portal', type: 'web', redirect_uris: ['https://portal.example/cb'], post_logout_redirect_uris: ['https://portal.example/bye'], first_party: true }, adminToken);
    third = await gh.api('POST', base, { name: 'Third <b>Party</b>', type: 'spa', redirect_uris: ['https://third.example/cb'] }, adminToken);
  });
  after(() => gh.stop());

  const start = (client: any, extra: Record<string, string | undefined> = {}) => {
    const p = pkce();
    const url = authorizeUrl({ response_type: 'code', client_id: client.client_id, redirect_uri: client.redirect_uris[0], scope: 'openid profile email offline_access', state: 'st-1', nonce: 'n-1', code_challenge: p.challenge, code_challenge_method: 'S256', ...extra });
    return { ...p, url };
  };
  const login = (agent: Agent, page: Page, values = user) => agent.submit(page, '/login', { email: values.email, password: values.password });
  const callback = (location: string | undefined) => {
    assert.ok(location, 'no redirect');
    return new URL(location);
  };
  const redeem = (client: any, code: string, verifier: string, extra: Record<string, string> = {}) =>
    client.client_secret
      ? gh.token({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0], code_verifier: verifier, ...extra }, { basic: [client.client_id, client.client_secret] })
      : gh.token({ grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0], code_verifier: verifier, client_id: client.client_id, ...extra });

  /** Signs in through the page and returns the redirect to the client. */
  async function signIn(agent: Agent, client: any, extra: Record<string, string | undefined> = {}) {
    const flow = start(client, extra);
    const page = await agent.get(flow.url);
    assert.equal(page.status, 200, page.text);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.text, /<label for="password">Password<\/label>/);
    const done = await login(agent, page);
    assert.equal(done.status, 303, done.text);
    return { flow, cb: callback(done.location) };
  }

  test('a spa client: sign in on the page, the code and verifier give tokens; state and iss come back', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, spa);
    assert.equal(cb.origin + cb.pathname, 'http://127.0.0.1:9/spa/cb');
    assert.equal(cb.searchParams.get('state'), 'st-1');
    assert.equal(cb.searchParams.get('iss'), gh.issuer);
    const code = cb.searchParams.get('code')!;
    assert.match(code, /^ghac_/);
    const r = await redeem(spa, code, flow.verifier);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.access_token && r.body.id_token && r.body.refresh_token);
    const id = decodeJwt(r.body.id_token);
    assert.equal(decodeProtectedHeader(r.body.id_token).alg, 'RS256');
    assert.equal(id.aud, spa.client_id);
    assert.equal(id.nonce, 'n-1');
    assert.equal(id.email, user.email);
    assert.equal(typeof id.auth_time, 'number');
    const at = decodeJwt(r.body.access_token);
    assert.equal(at.client_id, spa.client_id);
    // The session carries on: the next authorization needs no password.
    const again = await agent.get(start(spa).url);
    assert.equal(again.status, 303);
    assert.ok(callback(again.location).searchParams.get('code'));
    // Refresh works for the public client.
    const refreshed = await gh.token({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token, client_id: spa.client_id });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });

  test('a web client authenticates with its secret; without it the code is refused', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, web);
    const code = cb.searchParams.get('code')!;
    const anonymous = await gh.token({ grant_type: 'authorization_code', code, redirect_uri: web.redirect_uris[0], code_verifier: flow.verifier, client_id: web.client_id });
    assert.equal(anonymous.body.error, 'invalid_client');
    const r = await redeem(web, code, flow.verifier);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(decodeJwt(r.body.id_token).aud, web.client_id);
  });

  test('a third-party client gets the consent page; deny is access_denied, allow gives a code, and is remembered', async () => {
    const agent = new Agent(gh.url);
    const flow = start(third);
    const consent = await login(agent, await agent.get(flow.url));
    assert.equal(consent.status, 200, consent.text);
    assert.match(consent.text, /Allow Third &lt;b&gt;Party&lt;\/b&gt;\?/, 'the client name is escaped');
    assert.ok(!consent.text.includes('<b>Party</b>'));
    assert.match(consent.text, /See your email address/);
    // CSRF: a post without the token, or from another origin, is refused.
    const forged = await agent.request('POST', '/oauth/consent', { form: { authorize: field(consent.text, 'authorize'), decision: 'allow' }, headers: { origin: gh.url } });
    assert.equal(forged.status, 403);
    const crossSite = await agent.submit(consent, '/oauth/consent', { decision: 'allow' }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    const denied = await agent.submit(consent, '/oauth/consent', { decision: 'deny' });
    assert.equal(callback(denied.location).searchParams.get('error'), 'access_denied');
    assert.equal(callback(denied.location).searchParams.get('state'), 'st-1');
    // prompt=none while consent is missing: consent_required, no page.
    const none = await agent.get(start(third, { prompt: 'none' }).url);
    assert.equal(callback(none.location).searchParams.get('error'), 'consent_required');
    const page = await agent.get(start(third).url);
    assert.match(page.text, /Allow Third/);
    const allowed = await agent.submit(page, '/oauth/consent', { decision: 'allow' });
    assert.ok(callback(allowed.location).searchParams.get('code'), allowed.text);
    const remembered = await agent.get(start(third).url);
    assert.equal(remembered.status, 303);
    assert.ok(callback(remembered.location).searchParams.get('code'));
    // prompt=consent asks again.
    assert.match((await agent.get(start(third, { prompt: 'consent' }).url)).text, /Allow Third/);
  });

  test('open redirect attempts: unknown clients and unregistered redirect URIs get a page, never a redirect', async () => {
    const agent = new Agent(gh.url);
    const p = pkce();
    const base = { response_type: 'code', client_id: spa.client_id, code_challenge: p.challenge, code_challenge_method: 'S256', state: '<script>alert(1)</script>' };
    const attempts = [
      { ...base, redirect_uri: 'https://evil.example/cb' },
      { ...base, redirect_uri: 'http://127.0.0.1:9/spa/cb/../../evil' },
      { ...base, redirect_uri: 'http://127.0.0.1:9/spa/cb?next=https://evil.example' },
      { ...base, redirect_uri: 'http://127.0.0.1:9@evil.example/spa/cb' },
      { ...base, redirect_uri: 'http://127.0.0.1:90/spa/cb' },
      { ...base, redirect_uri: 'javascript:alert(1)' },
      { ...base, client_id: 'ghc_unknown', redirect_uri: 'https://evil.example/cb' },
      { ...base, client_id: '<img src=x onerror=alert(1)>', redirect_uri: 'https://evil.example/cb' },
    ];
    for (const a of attempts) {
      const r = await agent.get(authorizeUrl(a));
      assert.equal(r.location, undefined, `redirected for ${a.redirect_uri}`);
      assert.equal(r.status, 400, a.redirect_uri);
      assert.match(r.headers.get('content-type')!, /text\/html/);
      assert.ok(!r.text.includes('<script>alert') && !r.text.includes('<img src=x'), 'input echoed unescaped');
      assert.ok(!r.text.includes('evil.example'), 'the attacker URI is shown');
    }
    // A repeated redirect_uri is not a choice between two.
    const twice = await agent.get(`/oauth/authorize?client_id=${spa.client_id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/spa/cb')}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code`);
    assert.equal(twice.location, undefined);
    assert.equal(twice.status, 400);
  });

  test('PKCE is required, S256 only: missing, plain and malformed challenges are errors sent back to the client', async () => {
    const agent = new Agent(gh.url);
    const p = pkce();
    const base = { response_type: 'code', client_id: spa.client_id, redirect_uri: spa.redirect_uris[0], state: 'pk' };
    for (const extra of [{}, { code_challenge: p.verifier, code_challenge_method: 'plain' }, { code_challenge: p.challenge }, { code_challenge: 'short', code_challenge_method: 'S256' }]) {
      const r = await agent.get(authorizeUrl({ ...base, ...extra }));
      const cb = callback(r.location);
      assert.equal(cb.searchParams.get('error'), 'invalid_request', JSON.stringify(extra));
      assert.equal(cb.searchParams.get('state'), 'pk');
      assert.equal(cb.searchParams.get('iss'), gh.issuer);
    }
    const rt = await agent.get(authorizeUrl({ ...base, response_type: 'token', code_challenge: p.challenge, code_challenge_method: 'S256' }));
    assert.equal(callback(rt.location).searchParams.get('error'), 'unsupported_response_type');
  });

  test('the verifier must match, the redirect URI must be the same, and a code works once (a replay revokes what it gave)', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, spa);
    const code = cb.searchParams.get('code')!;
    // Wrong verifier (a downgrade to "plain": the challenge itself as verifier): refused, and the code is spent.
    const wrong = await redeem(spa, code, flow.challenge);
    assert.equal(wrong.body.error, 'invalid_grant');
    const after = await redeem(spa, code, flow.verifier);
    assert.equal(after.body.error, 'invalid_grant');

    const second = start(spa);
    const c2 = callback((await agent.get(second.url)).location).searchParams.get('code')!;
    assert.equal((await redeem(spa, c2, second.verifier, { redirect_uri: 'http://127.0.0.1:9/spa/other' })).body.error, 'invalid_grant');
    const third2 = start(spa);
    const c3 = callback((await agent.get(third2.url)).location).searchParams.get('code')!;
    assert.equal((await redeem(spa, c3, '')).body.error, 'invalid_grant', 'no verifier');

    const fourth = start(spa);
    const c4 = callback((await agent.get(fourth.url)).location).searchParams.get('code')!;
    const ok = await redeem(spa, c4, fourth.verifier);
    assert.equal(ok.status, 200);
    const replay = await redeem(spa, c4, fourth.verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    // What the first redemption issued is revoked: the refresh token, and the access token at introspection.
    const refresh = await gh.token({ grant_type: 'refresh_token', refresh_token: ok.body.refresh_token, client_id: spa.client_id });
    assert.equal(refresh.body.error, 'invalid_grant');
    const me = await fetch(`${gh.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    assert.equal(me.status, 401, 'the access token still works');
    // Another client cannot redeem someone else's code.
    const fifth = start(spa);
    const c5 = callback((await agent.get(fifth.url)).location).searchParams.get('code')!;
    assert.equal((await redeem(third, c5, fifth.verifier)).body.error, 'invalid_grant');
  });

  test('a code redeemed twice at once: whichever way the race goes, nothing it issued stays usable', async () => {
    const agent = new Agent(gh.url);
    for (let i = 0; i < 3; i++) {
      const flow = start(spa);
      const code = callback((i === 0 ? await login(agent, await agent.get(flow.url)) : await agent.get(flow.url)).location).searchParams.get('code')!;
      const answers = await Promise.all([redeem(spa, code, flow.verifier), redeem(spa, code, flow.verifier)]);
      assert.ok(answers.filter((a) => a.status === 200).length <= 1);
      for (const a of answers.filter((x) => x.status === 200)) {
        const r = await gh.token({ grant_type: 'refresh_token', refresh_token: a.body.refresh_token, client_id: spa.client_id });
        assert.equal(r.body.error, 'invalid_grant', 'a refresh token from a replayed code still works');
      }
    }
  });

  test('state passes through untouched, or stays absent; nonce reaches the ID token as sent', async () => {
    const agent = new Agent(gh.url);
    const odd = 'a b+c&d=é/?#%20';
    const { cb } = await signIn(agent, spa, { state: odd, nonce: 'x y' });
    assert.equal(cb.searchParams.get('state'), odd);
    const none = callback((await agent.get(start(spa, { state: undefined }).url)).location);
    assert.equal(none.searchParams.has('state'), false);
    // The same state twice gets two different codes (a client must check its own state; the server echoes it).
    const a = callback((await agent.get(start(spa, { state: 'same' }).url)).location);
    const b = callback((await agent.get(start(spa, { state: 'same' }).url)).location);
    assert.equal(a.searchParams.get('state'), 'same');
    assert.notEqual(a.searchParams.get('code'), b.searchParams.get('code'));
  });

  test('prompt and max_age: none without a session is login_required; login and max_age=0 ask for the password again', async () => {
    const fresh = new Agent(gh.url);
    const none = await fresh.get(start(spa, { prompt: 'none' }).url);
    assert.equal(callback(none.location).searchParams.get('error'), 'login_required');
    const agent = new Agent(gh.url);
    await signIn(agent, spa);
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }]) {
      const page = await agent.get(start(spa, extra).url);
      assert.equal(page.status, 200, JSON.stringify(extra));
      assert.match(page.text, /Sign in/);
      const done = await login(agent, page);
      assert.ok(callback(done.location).searchParams.get('code'), JSON.stringify(extra));
    }
    const hinted = await fresh.get(start(spa, { login_hint: 'hint@example.com' }).url);
    assert.equal(field(hinted.text, 'email'), 'hint@example.com');
  });

  test('CSRF on the login form: no token, a token without its cookie, or another origin are refused', async () => {
    const agent = new Agent(gh.url);
    const page = await agent.get(start(spa).url);
    const noToken = await agent.request('POST', '/login', { form: { email: user.email, password: user.password, authorize: field(page.text, 'authorize') }, headers: { origin: gh.url } });
    assert.equal(noToken.status, 403);
    const other = new Agent(gh.url);
    const stolen = await other.request('POST', '/login', { form: { csrf: field(page.text, 'csrf'), email: user.email, password: user.password }, headers: { origin: gh.url } });
    assert.equal(stolen.status, 403, 'a token is bound to its cookie');
    const cross = await agent.submit(page, '/login', { email: user.email, password: user.password }, { origin: 'https://evil.example' });
    assert.equal(cross.status, 403);
    const fetchSite = await agent.submit(page, '/login', { email: user.email, password: user.password }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(fetchSite.status, 403);
    assert.equal(agent.cookies.has('gatehouse_session'), false);
  });

  test('session fixation: a session value planted before the login is never adopted', async () => {
    const agent = new Agent(gh.url);
    agent.cookies.set('gatehouse_session', 'ghsess_planted-by-the-attacker');
    const page = await agent.get(start(spa).url);
    assert.match(page.text, /Sign in/, 'the planted value is not a session');
    const csrfBefore = agent.cookies.get('gatehouse_csrf');
    await login(agent, page);
    const issued = agent.cookies.get('gatehouse_session')!;
    assert.notEqual(issued, 'ghsess_planted-by-the-attacker');
    assert.notEqual(agent.cookies.get('gatehouse_csrf'), csrfBefore, 'the CSRF value rotates at login');
    const attacker = new Agent(gh.url);
    attacker.cookies.set('gatehouse_session', 'ghsess_planted-by-the-attacker');
    assert.match((await attacker.get(start(spa).url)).text, /Sign in/);
  });

  test('wrong passwords re-show the form (escaped), and the brute-force guard stops guessing', async () => {
    const agent = new Agent(gh.url);
    let page = await agent.get(start(spa).url);
    const first = await login(agent, page, { email: '"><script>x</script>', password: 'nope' });
    assert.equal(first.status, 401);
    assert.ok(!first.text.includes('<script>x'));
    assert.match(first.text, /Wrong email or password/);
    page = first;
    let last = first;
    for (let i = 0; i < 11; i++) {
      last = await login(agent, page, { email: 'victim@example.com', password: `guess-${i}` });
      page = last;
    }
    assert.equal(last.status, 429);
    assert.match(last.text, /Too many failed attempts/);
  });

  test('cookies: HttpOnly, SameSite=Lax, Path=/; the page forbids framing and third-party assets', async () => {
    const res = await fetch(gh.url + start(spa).url, { redirect: 'manual' });
    const set = res.headers.getSetCookie().join('\n');
    assert.match(set, /gatehouse_csrf=.*HttpOnly.*SameSite=Lax/);
    assert.match(res.headers.get('content-security-policy')!, /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('cache-control')!, /no-store/);
    const css = await fetch(`${gh.url}/assets/gatehouse.css`);
    assert.equal(css.status, 200);
  });

  test('logout: with an id_token_hint the session ends with its refresh tokens and the browser goes back with state', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, web);
    const tokens = (await redeem(web, cb.searchParams.get('code')!, flow.verifier)).body;
    const sessions = await gh.api('GET', '/api/v1/users/me/sessions', undefined, tokens.access_token);
    assert.ok(sessions.length >= 1);
    // Unregistered post-logout URI: a page, no redirect, nothing ended.
    const bad = await agent.get(`/oauth/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.location, undefined);
    const out = await agent.get(`/oauth/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent('https://portal.example/bye')}&state=s%20t`);
    assert.equal(out.status, 303);
    assert.equal(out.location, 'https://portal.example/bye?state=s+t');
    assert.equal(agent.cookies.has('gatehouse_session'), false);
    assert.equal((await gh.api('GET', '/api/v1/users/me/sessions', undefined, tokens.access_token)).length, sessions.length - 1);
    const refresh = await gh.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { basic: [web.client_id, web.client_secret] });
    assert.equal(refresh.body.error, 'invalid_grant');
    assert.match((await agent.get(start(web).url)).text, /Sign in/);
  });

  test('logout without a hint asks first (a CSRF-protected form); sessions are listed and revocable', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, spa);
    const tokens = (await redeem(spa, cb.searchParams.get('code')!, flow.verifier)).body;
    const ask = await agent.get('/oauth/logout');
    assert.equal(ask.status, 200);
    assert.match(ask.text, /Sign out\?/);
    const forged = await agent.request('POST', '/oauth/logout', { form: { decision: 'logout' }, headers: { origin: gh.url } });
    assert.equal(forged.status, 403);
    assert.equal((await agent.get(start(spa).url)).status, 303, 'still signed in');

    const other = new Agent(gh.url);
    await signIn(other, spa);
    const list = await gh.api('GET', '/api/v1/users/me/sessions', undefined, tokens.access_token);
    assert.ok(list.length >= 2);
    const done = await agent.submit(ask, '/oauth/logout', { decision: 'logout' });
    assert.equal(done.status, 200);
    assert.match(done.text, /You are signed out/);
    // The other browser's session is revoked through the API.
    const remaining = await gh.api('GET', '/api/v1/users/me/sessions', undefined, tokens.access_token);
    for (const s of remaining) {
      const r = await fetch(`${gh.url}/api/v1/users/me/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(r.status, 204);
    }
    assert.match((await other.get(start(spa).url)).text, /Sign in/);
  });

  test('a password change ends every session', async () => {
    const agent = new Agent(gh.url);
    const { flow, cb } = await signIn(agent, spa);
    const tokens = (await redeem(spa, cb.searchParams.get('code')!, flow.verifier)).body;
    const r = await fetch(`${gh.url}/api/v1/users/me/password`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ current_password: user.password, new_password: user.password + '!' }) });
    assert.ok(r.status < 300, await r.text());
    user.password += '!';
    assert.match((await agent.get(start(spa).url)).text, /Sign in/);
  });
});

describe('self-registration', () => {
  let gh: Gatehouse;
  before(async () => {
    gh = await startGatehouse({ env: { GATEHOUSE_SIGNUP: 'true' } });
  });
  after(() => gh.stop());

  test('with GATEHOUSE_SIGNUP=true a person creates an account on the page, signed in, email not yet verified', async () => {
    const agent = new Agent(gh.url);
    const page = await agent.get('/signup');
    assert.equal(page.status, 200);
    assert.match(page.text, /<label for="email">Email<\/label>/);
    const forged = await agent.request('POST', '/signup', { form: { name: 'x', email: 'x@example.com', password: 'long enough pw' }, headers: { origin: gh.url } });
    assert.equal(forged.status, 403);
    const created = await agent.submit(page, '/signup', { name: 'New <Person>', email: 'new@example.com', password: 'a new long password' });
    assert.equal(created.status, 201, created.text);
    assert.match(created.text, /not verified yet/);
    const again = await agent.submit(await agent.get('/signup'), '/signup', { name: 'Again', email: 'new@example.com', password: 'another long password' });
    assert.equal(again.status, 409);
    // Signed in: the built-in CLI client (loopback redirect, any port) gets a code without a password.
    const p = pkce();
    const r = await agent.get(authorizeUrl({ response_type: 'code', client_id: 'gatehouse-cli', redirect_uri: 'http://127.0.0.1:4321/callback', scope: 'openid email', code_challenge: p.challenge, code_challenge_method: 'S256' }));
    const code = new URL(r.location!).searchParams.get('code')!;
    const t = await gh.token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:4321/callback', code_verifier: p.verifier, client_id: 'gatehouse-cli' });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(decodeJwt(t.body.id_token).email_verified, false);
  });

  test('self-registration is off by default', async () => {
    const other = await startGatehouse();
    try {
      const r = await fetch(`${other.url}/signup`);
      assert.equal(r.status, 404);
      assert.doesNotMatch(await (await fetch(`${other.url}/login`)).text(), /Create one/);
    } finally {
      await other.stop();
    }
  });
});
