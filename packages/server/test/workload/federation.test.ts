// Workload identity federation and token exchange against real issuers the test starts: a stand-in GitHub Actions /
// Kubernetes issuer (its own keys, discovery and claim sets) and a second Gatehouse. Every rule check, single use of
// the external jti, key rotation at the external issuer, an unknown issuer refused before any fetch, lifetimes,
// the audit trail, and RFC 8693 downscoping of Gatehouse's own tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { type StandinIssuer, startStandinIssuer } from '../support/standin-issuer.ts';
import { runCli } from '../support/cli.ts';

const API = 'https://deploy.fed.example';
const OTHER_API = 'https://other.fed.example';
const NO_GRANT_API = 'https://nogrant.fed.example';
const AUD = 'https://gatehouse.fed.example';
const BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

describe('workload identity federation and token exchange', () => {
  let gh: Gatehouse;
  let other: Gatehouse;
  let idp: StandinIssuer;
  let bot: BotCredentials;
  let k8sBot: BotCredentials;
  let projectId: string;
  let githubIssuer: { id: string };
  const fed = (path: string) => `/api/v1/projects/${projectId}/federation${path}`;

  before(async () => {
    [gh, other, idp] = await Promise.all([
      startGatehouse({ env: { GATEHOUSE_JWKS_FETCH_TIMEOUT_MS: '1000', GATEHOUSE_JWKS_REFRESH_COOLDOWN_SECONDS: '1' } }),
      startGatehouse(),
      startStandinIssuer(),
    ]);
    projectId = (await gh.createProject('workloads')).id;
    bot = await gh.createBot({ name: 'deployer', projectId });
    k8sBot = await gh.createBot({ name: 'k8s-worker', projectId });
    const api = await gh.createApi({ identifier: API, scopes: ['deploy', 'read'], token_lifetime: 3600 });
    const api2 = await gh.createApi({ identifier: OTHER_API, scopes: ['read'] });
    await gh.createApi({ identifier: NO_GRANT_API, scopes: ['read'] });
    await gh.grant(api.id, bot.id, ['deploy', 'read']);
    await gh.grant(api2.id, bot.id, ['read']);
    await gh.grant(api.id, k8sBot.id, ['read']);
    // GitHub: keys from the issuer's discovery document.
    githubIssuer = await gh.api('POST', fed('/issuers'), { issuer: idp.url });
    await gh.api('POST', fed('/rules'), {
      name: 'deploy-main',
      issuer_id: githubIssuer.id,
      bot_id: bot.id,
      audience: AUD,
      subject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      claims: { repository_owner: 'octo-org', job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@*' },
    });
    await gh.api('POST', fed('/rules'), { name: 'prod-once', issuer_id: githubIssuer.id, bot_id: bot.id, audience: AUD, subject: 'repo:octo-org/octo-repo:environment:production', single_use: true });
  });
  after(async () => {
    await Promise.all([gh.stop(), other.stop(), idp.stop()]);
  });

  const viaAssertion = (jwt: string, extra: Record<string, string> = {}) =>
    gh.token({ grant_type: 'client_credentials', audience: API, client_assertion_type: BEARER, client_assertion: jwt, ...extra });
  const exchange = (subject: string, type: string, extra: Record<string, string> = {}) =>
    gh.token({ grant_type: EXCHANGE, subject_token: subject, subject_token_type: type, audience: API, ...extra });
  const ghToken = (o: Partial<Parameters<StandinIssuer['github']>[0]> = {}, lifetime?: number) =>
    idp.sign(idp.github({ aud: AUD, repo: 'octo-org/octo-repo', ...o }), lifetime === undefined ? {} : { lifetime });

  test('a GitHub Actions token is a client assertion for the bot its rule names: grants, lifetime, audit', async () => {
    const r = await viaAssertion(await ghToken({}, 120));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const claims = decodeJwt(r.body.access_token);
    assert.equal(claims.sub, `bot|${bot.id}`);
    assert.equal(r.body.scope, 'deploy read');
    assert.ok(r.body.expires_in <= 120 && r.body.expires_in > 100, `lifetime ${r.body.expires_in} is capped by the external token`);
    assert.ok(claims.exp! - claims.iat! <= 120);
    const narrower = await viaAssertion(await ghToken(), { scope: 'read' });
    assert.equal(narrower.body.scope, 'read');
    const more = await viaAssertion(await ghToken(), { scope: 'admin' });
    assert.equal(more.body.error, 'invalid_scope');
    const named = await viaAssertion(await ghToken(), { client_id: bot.client_id });
    assert.equal(named.status, 200);
    const audit = await gh.api('GET', `/api/v1/audit-events?project=${projectId}&type=token.issued`);
    const e = audit.events.find((x: { detail: Record<string, unknown> | null }) => x.detail?.external_iss === idp.url);
    assert.ok(e, 'federated issuance is audited');
    assert.equal(e.detail.external_sub, 'repo:octo-org/octo-repo:ref:refs/heads/main');
    assert.equal(e.detail.rule_name, 'deploy-main');
  });

  test('every rule check refuses with invalid_client naming it', async () => {
    const cases: [string, Promise<string>, RegExp, Record<string, string>?][] = [
      ['aud', idp.sign(idp.github({ aud: 'https://elsewhere.example', repo: 'octo-org/octo-repo' })), /no federation rule matches .*"aud"/],
      ['sub', ghToken({ ref: 'refs/heads/feature' }), /no federation rule matches .*"sub"/],
      ['claim', idp.sign({ ...idp.github({ aud: AUD, repo: 'octo-org/octo-repo' }), repository_owner: 'evil-org' }), /claim "repository_owner"/],
      ['glob claim', idp.sign({ ...idp.github({ aud: AUD, repo: 'octo-org/octo-repo' }), job_workflow_ref: 'evil/x/.github/workflows/deploy.yml@refs/heads/main' }), /claim "job_workflow_ref"/],
      ['expired', ghToken({}, -30), /has expired/],
      ['other bot named', ghToken(), /no federation rule of this issuer names this client/, { client_id: k8sBot.client_id }],
    ];
    for (const [name, jwtP, re, extra] of cases) {
      const jwt = await jwtP;
      const r = await viaAssertion(jwt, extra);
      assert.equal(r.status, 401, name);
      assert.equal(r.body.error, 'invalid_client', name);
      assert.match(r.body.error_description, re, `${name}: ${r.body.error_description}`);
      assert.ok(!JSON.stringify(r.body).includes(jwt.split('.')[1]!), `${name} echoes the token`);
    }
  });

  test('a forged token (another key, same kid) is refused', async () => {
    const forger = await startStandinIssuer();
    try {
      const jwt = await forger.sign(forger.github({ aud: AUD, repo: 'octo-org/octo-repo' }), { iss: idp.url });
      const r = await viaAssertion(jwt);
      assert.equal(r.status, 401);
      assert.match(r.body.error_description, /signature does not verify|no registered key verifies/);
    } finally {
      await forger.stop();
    }
  });

  test('an unknown issuer is refused before any key is fetched', async () => {
    const before = idp.hits('/unknown/.well-known/openid-configuration') + idp.hits('/.well-known/jwks');
    const jwt = await idp.sign(idp.github({ aud: AUD, repo: 'octo-org/octo-repo' }), { iss: `${idp.url}/unknown` });
    const r = await viaAssertion(jwt);
    assert.equal(r.status, 401);
    assert.match(r.body.error_description, /unknown client \(nor a trusted issuer\)/);
    assert.equal(idp.hits('/unknown/.well-known/openid-configuration') + idp.hits('/.well-known/jwks'), before);
  });

  test('a single-use rule accepts an external jti once', async () => {
    const jwt = await ghToken({ environment: 'production' });
    assert.equal((await viaAssertion(jwt)).status, 200);
    const again = await viaAssertion(jwt);
    assert.equal(again.status, 401);
    assert.match(again.body.error_description, /"jti" was already used/);
    // The multi-use rule accepts its token twice.
    const multi = await ghToken();
    assert.equal((await viaAssertion(multi)).status, 200);
    assert.equal((await viaAssertion(multi)).status, 200);
  });

  test('key rotation at the external issuer: the new kid is fetched, the removed key stops working', async () => {
    const old = await ghToken();
    await idp.rotate(false);
    let r = await viaAssertion(await ghToken());
    for (let i = 0; r.status !== 200 && i < 40; i++) {
      await new Promise((res) => setTimeout(res, 100)); // the refresh on an unknown kid waits out the 1 s cooldown
      r = await viaAssertion(await ghToken());
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const stale = await viaAssertion(old);
    assert.equal(stale.status, 401);
  });

  test('rule creation: a bare * is refused; default service accounts and pull_request subjects warn', async () => {
    const k8s = await gh.api('POST', fed('/issuers'), { issuer: 'https://kubernetes.default.svc.cluster.local', jwks_uri: idp.jwksUri });
    const base = { issuer_id: k8s.id, bot_id: k8sBot.id, audience: 'gatehouse' };
    await assert.rejects(gh.api('POST', fed('/rules'), { ...base, name: 'anything', subject: '*' }), /400.*bare/);
    await assert.rejects(gh.api('POST', fed('/rules'), { ...base, name: 'no-aud', audience: '', subject: 'x:y:z' }), /400/);
    await assert.rejects(gh.api('POST', fed('/rules'), { ...base, name: 'bad-claim', subject: 'system:serviceaccount:ci:runner', claims: { sub: 'x' } }), /400/);
    const dflt = await gh.api('POST', fed('/rules'), { ...base, name: 'default-sa', subject: 'system:serviceaccount:ci:default' });
    assert.match(dflt.warnings.join(' '), /default service account/);
    const pr = await gh.api('POST', fed('/rules'), { issuer_id: githubIssuer.id, bot_id: bot.id, audience: AUD, name: 'pr', subject: 'repo:octo-org/octo-repo:pull_request' });
    assert.match(pr.warnings.join(' '), /pull_request/);
    await gh.api('DELETE', fed(`/rules/${pr.id}`));
    await gh.api('DELETE', fed(`/rules/${dflt.id}`));
    const precise = await gh.api('POST', fed('/rules'), { ...base, name: 'ingest-sa', subject: 'system:serviceaccount:ingest:ingest-worker' });
    assert.deepEqual(precise.warnings, []);
    await assert.rejects(gh.api('POST', fed('/issuers'), { issuer: 'https://kubernetes.default.svc.cluster.local', jwks_uri: idp.jwksUri }), /409/);
    await assert.rejects(gh.api('POST', fed('/issuers'), { issuer: 'k8s-no-url' }), /400.*discovery/);
    const listed = await gh.api('GET', fed('/rules'));
    assert.ok(listed.some((r: { name: string }) => r.name === 'ingest-sa'));
  });

  test('a Kubernetes service-account token through token exchange (subject_token_type jwt)', async () => {
    const jwt = await idp.sign(idp.kubernetes({ aud: 'gatehouse', namespace: 'ingest', serviceAccount: 'ingest-worker' }), { iss: 'https://kubernetes.default.svc.cluster.local', lifetime: 600 });
    const r = await exchange(jwt, JWT);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.issued_token_type, ACCESS);
    assert.equal(r.body.scope, 'read');
    assert.equal(decodeJwt(r.body.access_token).sub, `bot|${k8sBot.id}`);
    const wrongSa = await idp.sign(idp.kubernetes({ aud: 'gatehouse', namespace: 'ingest', serviceAccount: 'other' }), { iss: 'https://kubernetes.default.svc.cluster.local' });
    const refused = await exchange(wrongSa, JWT);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(refused.body.error_description, /"sub"/);
  });

  test('a second Gatehouse as the external issuer (keys from its discovery)', async () => {
    const upstreamApi = await other.createApi({ identifier: AUD, scopes: [] });
    const upstreamBot = await other.createBot({ name: 'upstream' });
    await other.grant(upstreamApi.id, upstreamBot.id, []);
    const issuer = await gh.api('POST', fed('/issuers'), { issuer: other.issuer });
    await gh.api('POST', fed('/rules'), { name: 'from-upstream', issuer_id: issuer.id, bot_id: bot.id, audience: AUD, subject: `bot|${upstreamBot.id}` });
    const upstream = await other.token({ grant_type: 'client_credentials', audience: AUD }, { basic: [upstreamBot.client_id, upstreamBot.client_secret] });
    assert.equal(upstream.status, 200);
    const r = await viaAssertion(upstream.body.access_token, { scope: 'read' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.scope, 'read');
    const x = await exchange(upstream.body.access_token, JWT, { audience: OTHER_API });
    assert.equal(x.status, 200, JSON.stringify(x.body));
    assert.deepEqual(decodeJwt(x.body.access_token).aud, OTHER_API);
  });

  test("token exchange of Gatehouse's own token: downscoping, another API with a grant, never more", async () => {
    const t = await gh.token({ grant_type: 'client_credentials', audience: API, scope: 'read' }, { basic: [bot.client_id, bot.client_secret] });
    const subject = t.body.access_token as string;
    const down = await exchange(subject, ACCESS, { scope: 'read' });
    assert.equal(down.status, 200, JSON.stringify(down.body));
    assert.equal(down.body.issued_token_type, ACCESS);
    assert.ok(down.body.expires_in <= t.body.expires_in);
    assert.equal((await exchange(subject, ACCESS, { scope: 'deploy' })).body.error, 'invalid_scope', 'not more than the subject token had');
    const moved = await exchange(subject, ACCESS, { audience: OTHER_API });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.scope, 'read');
    assert.equal((await exchange(subject, ACCESS, { audience: NO_GRANT_API })).status, 403);
    const asOther = await gh.token({ grant_type: EXCHANGE, subject_token: subject, subject_token_type: ACCESS, audience: API }, { basic: [k8sBot.client_id, k8sBot.client_secret] });
    assert.equal(asOther.body.error, 'invalid_grant');
    for (const [params, error] of [
      [{ subject_token_type: ACCESS }, 'invalid_request'],
      [{ subject_token: subject, subject_token_type: 'urn:x' }, 'invalid_request'],
      [{ subject_token: subject, subject_token_type: ACCESS, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, 'invalid_request'],
      [{ subject_token: subject, subject_token_type: ACCESS, actor_token: subject, actor_token_type: ACCESS }, 'invalid_request'],
      [{ subject_token: 'garbage', subject_token_type: ACCESS }, 'invalid_grant'],
      [{ subject_token: 'garbage', subject_token_type: JWT }, 'invalid_grant'],
    ] as const) {
      const r = await gh.token({ grant_type: EXCHANGE, audience: API, ...params });
      assert.equal(r.body.error, error, JSON.stringify(params));
      assert.ok(!JSON.stringify(r.body).includes(subject.split('.')[1]!));
    }
  });

  test('gatehouse federation issuers|rules add|list|remove', async () => {
    const env = { GATEHOUSE_URL: gh.url, GATEHOUSE_TOKEN: await gh.adminToken() };
    const added = await runCli(['federation', 'issuers', 'add', '--project', projectId, '--issuer', 'https://token.actions.githubusercontent.com', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const issuer = JSON.parse(added.stdout);
    assert.equal(issuer.keys_from, 'discovery');
    const rule = await runCli(
      ['federation', 'rules', 'add', '--project', projectId, '--name', 'gh-prs', '--issuer-id', issuer.id, '--bot', bot.id, '--audience', AUD, '--subject', 'repo:octo-org/octo-repo:pull_request', '--claim', 'repository_owner=octo-org'],
      env,
    );
    assert.equal(rule.code, 0, rule.stderr);
    assert.match(rule.stdout, /name:\s+gh-prs/);
    assert.match(rule.stderr, /warning: .*pull_request/);
    const star = await runCli(['federation', 'rules', 'add', '--project', projectId, '--name', 'all', '--issuer-id', issuer.id, '--bot', bot.id, '--audience', AUD, '--subject', '*'], env);
    assert.equal(star.code, 1);
    assert.match(star.stderr, /bare "\*"/);
    const listed = await runCli(['federation', 'rules', 'list', '--project', projectId], env);
    assert.match(listed.stdout, /gh-prs/);
    const id = /^(\S+)\s+gh-prs/m.exec(listed.stdout)?.[1];
    assert.ok(id, listed.stdout);
    assert.equal((await runCli(['federation', 'rules', 'remove', id!, '--project', projectId], env)).code, 0);
    assert.equal((await runCli(['federation', 'issuers', 'remove', issuer.id, '--project', projectId], env)).code, 0);
    const issuers = await runCli(['federation', 'issuers', 'list', '--project', projectId], env);
    assert.doesNotMatch(issuers.stdout, /token.actions.githubusercontent.com/);
  });
});
