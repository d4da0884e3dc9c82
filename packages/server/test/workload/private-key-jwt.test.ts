// private_key_jwt (RFC 7523 §2.2, OIDC Core §9) against a real Gatehouse: inline keys and a jwks_uri served by a
// small key server the test starts (rotated, hanging), every check of the assertion, introspection and revocation,
// and openid-client v6's PrivateKeyJwt on its defaults.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CryptoKey, type JWK, SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { runCli } from '../support/cli.ts';

const API = 'https://api.pkjwt.example';
const cli = runCli;
const BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Signer {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function assertion(s: Signer, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID(), iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: s.alg, kid: s.kid, ...header })
    .sign(s.privateKey);
}

/** A jwks_uri the test controls: serves `keys`, or hangs, or fails. */
function keyServer() {
  let keys: JWK[] = [];
  let mode: 'ok' | 'hang' | '500' | 'junk' = 'ok';
  let hits = 0;
  const hung: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    hits++;
    if (mode === 'hang') return void hung.push(res);
    if (mode === '500') return void res.writeHead(500).end('oops');
    if (mode === 'junk') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 12');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  return {
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    },
    set(k: JWK[]) {
      keys = k;
    },
    mode(m: typeof mode) {
      mode = m;
    },
    hits: () => hits,
    async stop() {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('private_key_jwt', () => {
  let gh: Gatehouse;
  let bot: BotCredentials;
  let es: Signer;
  let rsa: Signer;
  let tokenUrl: string;
  const ks = keyServer();
  let ksUrl: string;

  before(async () => {
    // Short fetch timeout and cooldown so the hanging and rotating key server tests stay quick.
    gh = await startGatehouse({ env: { GATEHOUSE_JWKS_FETCH_TIMEOUT_MS: '400', GATEHOUSE_JWKS_REFRESH_COOLDOWN_SECONDS: '1' } });
    tokenUrl = `${gh.url}/oauth/token`;
    ksUrl = await ks.start();
    const api = await gh.createApi({ identifier: API, scopes: ['read', 'write'] });
    bot = await gh.createBot({ name: 'signer' });
    await gh.grant(api.id, bot.id, ['read']);
    es = await signer('ES256', 'es-1');
    rsa = await signer('RS256', 'rsa-1');
    await gh.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`, { jwk: es.jwk });
    await gh.api('POST', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`, { jwk: rsa.jwk, expires_at: new Date(Date.now() + 3600_000).toISOString() });
  });
  after(async () => {
    await gh.stop();
    await ks.stop();
  });

  const withAssertion = (jwt: string, extra: Record<string, string> = {}) =>
    gh.token({ grant_type: 'client_credentials', audience: API, client_assertion_type: BEARER, client_assertion: jwt, ...extra });
  const good = (s: Signer = es, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    assertion(s, { iss: bot.client_id, sub: bot.client_id, aud: tokenUrl, ...claims }, header);

  test('discovery lists private_key_jwt and the algorithms', async () => {
    const d = (await (await fetch(`${gh.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    for (const f of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      assert.ok(d[f]!.includes('private_key_jwt'), f);
    }
    assert.ok(d.token_endpoint_auth_signing_alg_values_supported!.includes('ES256'));
    assert.ok(!d.token_endpoint_auth_signing_alg_values_supported!.includes('HS256'));
  });

  test('a signed assertion gets a token; the bot shows a secret and keys', async () => {
    for (const [s, aud] of [[es, tokenUrl], [rsa, gh.issuer]] as const) {
      const r = await withAssertion(await good(s, { aud }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(decodeJwt(r.body.access_token).sub, `bot|${bot.id}`);
      assert.equal(r.body.scope, 'read');
    }
    const creds = await gh.api('GET', `/api/v1/projects/${bot.project_id}/bots/${bot.id}/keys`);
    assert.equal(creds.secret, true);
    assert.deepEqual(creds.auth_methods, ['client_secret', 'private_key_jwt']);
    assert.deepEqual(creds.keys.map((k: { kid: string; alg: string }) => `${k.kid}:${k.alg}`), ['es-1:ES256', 'rsa-1:RS256']);
  });

  test('a jti is single use', async () => {
    const jwt = await good();
    assert.equal((await withAssertion(jwt)).status, 200);
    const again = await withAssertion(jwt);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_client');
    assert.match(again.body.error_description, /"jti" was already used/);
  });

  test('every failed check is invalid_client naming the check, never echoing the assertion', async () => {
    const other = await signer('ES256', 'es-1'); // same kid and alg, another key
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Promise<string>, RegExp, Record<string, string>?][] = [
      ['wrong aud', good(es, { aud: 'https://elsewhere.example/token' }), /"aud" does not name this server/],
      ['sub differs from iss', good(es, { sub: 'someone-else' }), /"sub" must equal its "iss"/],
      ['unknown client', assertion(es, { iss: 'nobody.x@bots.example', sub: 'nobody.x@bots.example', aud: tokenUrl }), /unknown client/],
      ['exp too far ahead', good(es, { exp: now + 3600 }), /more than 300 seconds ahead/],
      ['expired', good(es, { iat: now - 600, exp: now - 300 }), /has expired/],
      ['no jti', good(es, { jti: undefined }), /no "jti"/],
      ['no exp', new SignJWT({ iss: bot.client_id, sub: bot.client_id, aud: tokenUrl, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).sign(es.privateKey), /no "exp"/],
      ['unknown kid', good(es, {}, { kid: 'nope' }), /no registered key verifies/],
      ['alg not the pinned one', good(rsa, {}, { kid: 'es-1' }), /no registered key verifies/],
      ['another key', good(other), /signature does not verify/],
      ['client_id differs', good(), /client_id does not match/, { client_id: 'other@bots.example' }],
    ];
    for (const [name, jwtP, re, extra] of cases) {
      const jwt = await jwtP;
      const r = await withAssertion(jwt, extra);
      assert.equal(r.status, 401, name);
      assert.equal(r.body.error, 'invalid_client', name);
      assert.match(r.body.error_description, re, `${name}: ${r.body.error_description}`);
      assert.ok(!JSON.stringify(r.body).includes(jwt.split('.')[1]!), `${name} echoes the assertion`);
    }
    const none = await withAssertion('eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.');
    assert.equal(none.status, 401);
    const hs = await withAssertion(await new SignJWT({ iss: bot.client_id, sub: bot.client_id, aud: tokenUrl, jti: 'x', exp: now + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32)));
    assert.match(hs.body.error_description, /"alg" must be one of/);
    const wrongType = await gh.token({ grant_type: 'client_credentials', audience: API, client_assertion_type: 'urn:other', client_assertion: await good() });
    assert.match(wrongType.body.error_description, /client_assertion_type must be/);
    const both = await gh.token({ grant_type: 'client_credentials', audience: API, client_assertion_type: BEARER, client_assertion: await good() }, { basic: [bot.client_id, bot.client_secret] });
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
  });

  test('introspection and revocation accept private_key_jwt', async () => {
    const token = (await withAssertion(await good())).body.access_token as string;
    const post = async (path: string, jwt: string) =>
      fetch(gh.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, client_assertion_type: BEARER, client_assertion: jwt }) });
    const i = await post('/oauth/introspect', await good(es, { aud: `${gh.url}/oauth/introspect` }));
    assert.equal(i.status, 200);
    assert.equal(((await i.json()) as { active: boolean }).active, true);
    assert.equal((await post('/oauth/revoke', await good())).status, 200);
    const after = await post('/oauth/introspect', await good());
    assert.equal(((await after.json()) as { active: boolean }).active, false);
  });

  test('registration refuses private keys, symmetric keys, weak RSA, a sixth key and a plain-http jwks_uri', async () => {
    const base = `/api/v1/projects/${bot.project_id}/bots/${bot.id}`;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    await assert.rejects(gh.api('POST', `${base}/keys`, { jwk: await exportJWK(privateKey) }), /400.*private/);
    await assert.rejects(gh.api('POST', `${base}/keys`, { jwk: { kty: 'oct', k: 'AAAA' } }), /400/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    await assert.rejects(gh.api('POST', `${base}/keys`, { jwk: weak }), /400.*2048/);
    await assert.rejects(gh.api('POST', `${base}/keys`, { jwk: es.jwk }), /409/);
    await assert.rejects(gh.api('PUT', `${base}/jwks-uri`, { jwks_uri: 'http://keys.example/jwks.json' }), /400.*https/);
    const extra = await gh.createBot({ name: 'many-keys' });
    for (let i = 0; i < 5; i++) await gh.api('POST', `/api/v1/projects/${extra.project_id}/bots/${extra.id}/keys`, { jwk: (await signer('ES256', `k${i}`)).jwk });
    await assert.rejects(gh.api('POST', `/api/v1/projects/${extra.project_id}/bots/${extra.id}/keys`, { jwk: (await signer('ES256', 'k5')).jwk }), /409.*at most 5/);
  });

  test('a jwks_uri: fetched, rotated at the source (new kid refetched), junk and 5xx refused', async () => {
    const b = await gh.createBot({ name: 'remote-keys' });
    const api = (await gh.api('GET', '/api/v1/apis')).find((a: { identifier: string }) => a.identifier === API);
    await gh.grant(api.id, b.id, ['read']);
    const k1 = await signer('ES256', 'remote-1');
    ks.set([k1.jwk]);
    await gh.api('PUT', `/api/v1/projects/${b.project_id}/bots/${b.id}/jwks-uri`, { jwks_uri: ksUrl });
    const mk = (s: Signer) => assertion(s, { iss: b.client_id, sub: b.client_id, aud: tokenUrl });
    assert.equal((await withAssertion(await mk(k1))).status, 200);
    // Rotation with overlap at the source: the new key is published beside the old one, then the old one goes.
    const k2 = await signer('ES256', 'remote-2');
    ks.set([k1.jwk, k2.jwk]);
    let r = await withAssertion(await mk(k2));
    for (let i = 0; r.status !== 200 && i < 40; i++) {
      await new Promise((res) => setTimeout(res, 100)); // the refresh on an unknown kid waits out the 1 s cooldown
      r = await withAssertion(await mk(k2));
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await withAssertion(await mk(k1))).status, 200, 'the old key still works during the overlap');
    // Turning the secret off leaves the keys.
    const creds = await gh.api('DELETE', `/api/v1/projects/${b.project_id}/bots/${b.id}/secret`);
    assert.deepEqual(creds.auth_methods, ['private_key_jwt']);
    const secret = await gh.token({ grant_type: 'client_credentials', audience: API }, { basic: [b.client_id, b.client_secret] });
    assert.equal(secret.status, 401);
  });

  test('a jwks_uri that hangs, 5xx-es or returns junk refuses its own bot and delays no other', async () => {
    const b = await gh.createBot({ name: 'hanging-keys' });
    const hangServer = keyServer();
    const url = await hangServer.start();
    hangServer.mode('hang');
    try {
      await gh.api('PUT', `/api/v1/projects/${b.project_id}/bots/${b.id}/jwks-uri`, { jwks_uri: url });
      const k = await signer('ES256', 'h-1');
      const mk = () => assertion(k, { iss: b.client_id, sub: b.client_id, aud: tokenUrl });
      const pending = withAssertion(await mk());
      // While that request waits on the hanging URL, another bot's requests are answered.
      for (let i = 0; i < 3; i++) assert.equal((await withAssertion(await good())).status, 200);
      const hung = await pending;
      assert.equal(hung.status, 401);
      assert.match(hung.body.error_description, /jwks_uri could not be used: fetching the key set timed out/);
      for (const [mode, re] of [['500', /answered 500/], ['junk', /not JSON/]] as const) {
        hangServer.mode(mode);
        let r = await withAssertion(await mk());
        for (let i = 0; !re.test(r.body.error_description) && i < 40; i++) {
          await new Promise((res) => setTimeout(res, 100)); // the next fetch waits out the cooldown
          r = await withAssertion(await mk());
        }
        assert.equal(r.status, 401);
        assert.match(r.body.error_description, re);
      }
    } finally {
      await hangServer.stop();
    }
  });

  test('a registered web client authenticates with private_key_jwt too (introspection)', async () => {
    const client = await gh.api('POST', `/api/v1/projects/${bot.project_id}/clients`, { name: 'Web app', type: 'web', redirect_uris: ['https://app.example/cb'] });
    const k = await signer('ES256', 'web-1');
    const base = `/api/v1/projects/${bot.project_id}/clients/${client.id}/keys`;
    await gh.api('POST', base, { jwk: k.jwk });
    assert.deepEqual((await gh.api('GET', base)).map((x: { kid: string }) => x.kid), ['web-1']);
    const token = (await withAssertion(await good())).body.access_token as string;
    const introspect = async (jwt: string) =>
      fetch(`${gh.url}/oauth/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, client_assertion_type: BEARER, client_assertion: jwt }) });
    const r = await introspect(await assertion(k, { iss: client.client_id, sub: client.client_id, aud: gh.issuer }));
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { active: boolean }).active, true);
    await gh.api('DELETE', `${base}/web-1`);
    const gone = await introspect(await assertion(k, { iss: client.client_id, sub: client.client_id, aud: gh.issuer }));
    assert.equal(gone.status, 401);
    const spa = await gh.api('POST', `/api/v1/projects/${bot.project_id}/clients`, { name: 'Spa', type: 'spa', redirect_uris: ['https://spa.example/cb'] });
    await assert.rejects(gh.api('POST', `/api/v1/projects/${bot.project_id}/clients/${spa.id}/keys`, { jwk: k.jwk }), /400.*public/);
  });

  test('gatehouse bots keys add|list|remove|jwks-uri and disable-secret', async () => {
    const env = { GATEHOUSE_URL: gh.url, GATEHOUSE_TOKEN: await gh.adminToken() };
    const b = await gh.createBot({ name: 'cli-keys' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-keys-'));
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(path.join(dir, 'pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'priv.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const refused = await cli(['bots', 'keys', 'add', b.id, '--project', b.project_id, '--key', path.join(dir, 'priv.pem')], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /private key/);
    const added = await cli(['bots', 'keys', 'add', b.id, '--project', b.project_id, '--key', path.join(dir, 'pub.pem'), '--json'], env);
    assert.equal(added.code, 0, added.stderr);
    const kid = JSON.parse(added.stdout).kid as string;
    assert.equal(JSON.parse(added.stdout).alg, 'ES256');
    const listed = await cli(['bots', 'keys', 'list', b.id, '--project', b.project_id], env);
    assert.match(listed.stdout, /secret:\s+true/);
    assert.match(listed.stdout, new RegExp(`${kid}\\s+ES256`));
    const uri = await cli(['bots', 'keys', 'jwks-uri', b.id, '--project', b.project_id, '--uri', 'https://keys.example/jwks.json'], env);
    assert.match(uri.stdout, /jwks_uri:\s+https:\/\/keys.example/);
    const off = await cli(['bots', 'disable-secret', b.id, '--project', b.project_id], env);
    assert.match(off.stdout, /secret:\s+false/);
    const bots = await cli(['bots', 'list', '--project', b.project_id, '--json'], env);
    assert.equal(JSON.parse(bots.stdout)[0].secret, false);
    const removed = await cli(['bots', 'keys', 'remove', b.id, kid, '--project', b.project_id], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed key/);
  });

  test("openid-client v6's PrivateKeyJwt on its defaults", async () => {
    const config = await oidc.discovery(new URL(gh.url), bot.client_id, undefined, oidc.PrivateKeyJwt({ key: es.privateKey, kid: es.kid }), { execute: [oidc.allowInsecureRequests] });
    const t = await oidc.clientCredentialsGrant(config, { audience: API, scope: 'read' });
    assert.equal(t.scope, 'read');
    const i = await oidc.tokenIntrospection(config, t.access_token);
    assert.equal(i.active, true);
    await oidc.tokenRevocation(config, t.access_token);
  });
});
