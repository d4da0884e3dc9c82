import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appToken, clearDiscoveryCache, discover } from '../src/index.ts';
import { close, json, listen } from './support/http-server.ts';

describe('discovery', () => {
  it('refuses a document that names another issuer (RFC 8414 §3.3)', async () => {
    const { server, url } = await listen((_req, res) => json(res, 200, { issuer: 'https://evil.example', token_endpoint: 'https://evil.example/token' }));
    try {
      clearDiscoveryCache();
      await assert.rejects(discover(url), { code: 'discovery_failed' });
    } finally {
      await close(server);
    }
  });

  it('a 404 is discovery_failed with the status; trailing slashes on the issuer are ignored', async () => {
    const { server, url } = await listen((_req, res) => json(res, 404, { message: 'Not found.' }));
    try {
      await assert.rejects(discover(`${url}/`), { code: 'discovery_failed', status: 404 });
    } finally {
      await close(server);
    }
  });
});

describe('appToken', () => {
  const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it('serves a static token until exp minus skew, then throws token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const live = `${enc({ alg: 'ES256' })}.${enc({ iat: now, exp: now + 3600 })}.s`;
    assert.equal((await appToken(live).getToken()).accessToken, live);
    const dead = `${enc({ alg: 'ES256' })}.${enc({ iat: now - 3600, exp: now - 1 })}.s`;
    await assert.rejects(appToken(dead).getToken(), { code: 'token_expired' });
    assert.equal((await appToken('opaque-token').getToken()).expiresAt, Number.POSITIVE_INFINITY);
  });
});
